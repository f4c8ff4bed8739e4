import { useEffect, useMemo, useState } from 'react';
import { STRENGTH_RANGES, type StrengthUnit } from '../../diffusion/steering-units';
import { images } from '../../state/model-slice';
import { currentProject } from '../../state/project-slice';
import type { SignedLatent, SteerParams } from '../../state/steer-slice';
import { useLab } from '../../state/store';
import { ErrorBoundary } from '../ErrorBoundary';
import { ImageCanvas } from '../ImageCanvas';
import { DifferencePanel } from './DifferencePanel';
import { MaskPainter } from './MaskPainter';
import { PresetRow } from './PresetRow';
import { PreviewStrips } from './PreviewStrips';
import { ProbeTable } from './ProbeTable';
import { exportPair } from './steer-export';
import { visibleFrom } from './steer-guide';
import { SteerLatentTable, type SteerRow } from './SteerLatentTable';
import { StrengthControl } from './StrengthControl';
import { SweepPanel, UnsteeredReading } from './SweepPanel';
import { useSteeringToggle } from '../shortcuts/use-steering-toggle';

/** Milliseconds a control must rest before the image is re-run. */
const DEBOUNCE_MS = 250;

/**
 * Steer: a prompt generated with the project's SAE latents added (each with
 * its own α, in multiples of the hook's mean activation norm or of the
 * latent's m_k, negative allowed) or ablated, inside a window of UNet calls
 * and a painted mask, beside the unsteered image, with the difference, the
 * pixel change inside and outside the mask, and on the toy model the probe's
 * attribute probabilities before and after. Every change re-runs (debounced)
 * from the first steered call. A sweep renders a strip over strength and
 * window at once.
 */
export function SteerStage() {
  const project = useLab(currentProject);
  const model = useLab((s) => s.model);
  const initialLatents = useLab((s) => s.steerLatents);
  const running = useLab((s) => s.steerRunning);
  const doing = useLab((s) => s.steerDoing);
  const result = useLab((s) => s.steerResult);
  const error = useLab((s) => s.steerError);
  const collect = project?.collect;
  const calls = collect?.settings.sampler.steps ?? 0;
  const gridH = collect?.settings.height ?? 1;
  const gridW = collect?.settings.width ?? 1;

  const [prompt, setPrompt] = useState(() => project?.prompts?.entries[0]?.prompt ?? '');
  const [seed, setSeed] = useState(() => project?.prompts?.entries[0]?.seed ?? 0);
  const [unit, setUnit] = useState<StrengthUnit>('norm');
  const [strength, setStrength] = useState(STRENGTH_RANGES.norm.initial);
  const [rows, setRows] = useState<SteerRow[]>(() => rowsOf(initialLatents, strength));
  const [window, setWindow] = useState<[number, number]>([0, calls]);
  const [mask, setMask] = useState<Float32Array>(() => new Float32Array(gridH * gridW));
  const [ablate, setAblate] = useState(false);
  const [conditionalOnly, setConditionalOnly] = useState(false);
  // A hand-off from the Latents page (a latent, or a concept's latents with their signs) takes the shared strength.
  // eslint-disable-next-line react-hooks/exhaustive-deps
  useEffect(() => setRows(rowsOf(initialLatents, strength)), [initialLatents]);
  const sweep = useLab((s) => s.steerSweep);
  const showSteered = useSteeringToggle(result);

  const m = project?.sae?.config.latents ?? 0;
  const latentError = rows.length === 0 ? 'Add one or more latents below, or open one on the Latents page and click “Steer with it”.' : null;
  // A project recorded at another block than the loaded model's: the model is re-hooked there (its hooked graph is cached).
  const projectHook = collect?.settings.hook ?? null;
  const hookMismatch = model.state === 'ready' && projectHook && model.info.hook !== projectHook ? `Hooking the model at ${projectHook}, where this project's SAE was trained…` : null;
  useEffect(() => {
    if (hookMismatch && projectHook) useLab.getState().ensureModelHook(projectHook).catch((e: Error) => useLab.getState().reportError('Steer', e.message));
  }, [hookMismatch, projectHook]);
  const params = useMemo<SteerParams | null>(() => {
    if (latentError || !prompt.trim() || hookMismatch || model.state !== 'ready') return null;
    return {
      prompt,
      negativePrompt: '',
      seed,
      latents: rows.map(({ latent, alpha }) => ({ latent, alpha })),
      unit,
      window: window[0] === 0 && window[1] === calls ? null : window,
      mask: mask.some((v) => v > 0) ? mask : null,
      ablate,
      conditionalOnly,
    };
    // eslint-disable-next-line react-hooks/exhaustive-deps
  }, [prompt, seed, rows, unit, window, mask, ablate, conditionalOnly, latentError, hookMismatch, model.state, calls]);

  useEffect(() => {
    if (!params) return;
    const timer = setTimeout(() => useLab.getState().runSteer(params), DEBOUNCE_MS);
    return () => clearTimeout(timer);
  }, [params]);

  if (!project?.sae || project.sae.state !== 'done' || !collect) return <section className="panel"><p className="muted">Train an SAE first (the SAE page); then steer with its latents here.</p></section>;
  const shown = result && images;
  const sweepBlocked = params === null ? 'set a prompt and latents, with the model loaded' : ablate ? 'a sweep adds latents: untick “ablate”' : rows.every((r) => r.alpha === 0) ? 'give a latent a non-zero α' : null;
  const sweepGuide = sweep?.state === 'done' && sweep.params.unit === unit ? (visibleFrom(sweep.cells) ?? 'none') : null;
  const changeUnit = (u: StrengthUnit) => {
    const initial = STRENGTH_RANGES[u].initial;
    setUnit(u);
    setStrength(initial);
    setRows(rows.map((r) => ({ ...r, alpha: r.sign * initial })));
  };
  const changeStrength = (v: number) => {
    setStrength(v);
    setRows(rows.map((r) => ({ ...r, alpha: r.sign * v })));
  };
  return (
    <>
      <section className="panel" data-testid="steer-panel" data-running={running !== null}>
        <header className="panel-header">
          <h2>Steer</h2>
          {running !== null && (
            <span className="status busy" data-testid="steer-doing">
              {doing ?? 'generating…'}
            </span>
          )}
        </header>
        <div className="form-row">
          <label className="grow">
            Prompt
            <input value={prompt} onChange={(e) => setPrompt(e.target.value)} data-testid="steer-prompt" />
          </label>
          <label>
            Seed
            <input type="number" min={0} value={seed} onChange={(e) => setSeed(Math.max(0, Math.floor(Number(e.target.value))))} data-testid="steer-seed" />
          </label>
        </div>
        <div className="form-row">
          <StrengthControl unit={unit} strength={strength} disabled={ablate} visible={sweepGuide} onUnit={changeUnit} onStrength={changeStrength} />
        </div>
        <div className="form-row">
          <SteerLatentTable rows={rows} unit={unit} latents={m} disabled={ablate} onChange={setRows} />
        </div>
        <div className="form-row">
          <label className="grow">
            Window: UNet calls {window[0]}–{window[1] - 1} of 0–{calls - 1}
            <span className="inline">
              <input type="range" min={0} max={calls - 1} value={window[0]} onChange={(e) => setWindow([Math.min(Number(e.target.value), window[1] - 1), window[1]])} data-testid="steer-window-start" aria-label="first steered call" />
              <input type="range" min={1} max={calls} value={window[1]} onChange={(e) => setWindow([window[0], Math.max(Number(e.target.value), window[0] + 1)])} data-testid="steer-window-end" aria-label="end of the steered calls" />
            </span>
          </label>
          <label className="check">
            <input type="checkbox" checked={ablate} onChange={(e) => setAblate(e.target.checked)} data-testid="steer-ablate" /> ablate instead of add
          </label>
          <label className="check">
            <input type="checkbox" checked={conditionalOnly} onChange={(e) => setConditionalOnly(e.target.checked)} /> conditional branch only
          </label>
        </div>
        <PresetRow
          presets={project.steerPresets ?? []}
          current={{ prompt, seed, latents: rows.map((r) => r.latent), alpha: strength, alphas: rows.map((r) => r.alpha), unit, window, mask: Array.from(mask), ablate, conditionalOnly }}
          onLoad={(p) => {
            setPrompt(p.prompt);
            setSeed(p.seed);
            // A preset saved before units were chosen has its α in m_k.
            setUnit(p.unit ?? 'mk');
            setStrength(p.alpha);
            setRows(p.latents.map((latent, i) => { const alpha = p.alphas?.[i] ?? p.alpha; return { latent, alpha, sign: alpha < 0 ? -1 : 1 }; }));
            setWindow(p.window);
            setMask(p.mask.length === gridH * gridW ? Float32Array.from(p.mask) : new Float32Array(gridH * gridW));
            setAblate(p.ablate);
            setConditionalOnly(p.conditionalOnly);
          }}
          onSave={(p) => useLab.getState().updateProject(project.id, (r) => ({ ...r, steerPresets: [...(r.steerPresets ?? []).filter((x) => x.name !== p.name), p] }))}
        />
        {latentError && <p className="error-text">{latentError}</p>}
        {hookMismatch && <p className="muted" data-testid="steer-rehook">{hookMismatch}</p>}
        {error && <p className="error-text" data-testid="steer-error">{error}</p>}
      </section>
      <ErrorBoundary label="Steering results" onReset={() => useLab.getState().clearSteerResult()}>
        <section className="panel">
          <div className="steer-images">
            <figure>
              <figcaption>Mask (paint where to steer)</figcaption>
              <MaskPainter image={shown ? images.get(result.unsteeredId) : null} gridH={gridH} gridW={gridW} mask={mask} onChange={setMask} />
            </figure>
            {shown && (
              <>
                <figure>
                  <figcaption>Unsteered</figcaption>
                  <ImageCanvas imageId={result.unsteeredId} testId="unsteered-image" className="steer-image" />
                </figure>
                <figure data-showing={showSteered ? 'steered' : 'unsteered'}>
                  <figcaption>{showSteered ? 'Steered' : 'Unsteered (s: back to steered)'}</figcaption>
                  <ImageCanvas imageId={showSteered ? result.steeredId : result.unsteeredId} testId="steered-image" className="steer-image" />
                </figure>
                <DifferencePanel unsteeredId={result.unsteeredId} steeredId={result.steeredId} mask={result.params.mask} gridH={gridH} gridW={gridW} />
              </>
            )}
          </div>
          {result?.previews && <PreviewStrips previews={result.previews} window={result.params.window ?? [0, calls]} />}
          {result && (
            <button type="button" className="secondary" onClick={() => void exportPair(result.unsteeredId, result.steeredId, result.params)} data-testid="export-steer-pair">
              Export the pair (PNG)
            </button>
          )}
          {result && (
            <p className="muted small" data-testid="steer-latency">
              {result.callsRun} UNet calls re-run from the cached unsteered latents · {(result.seconds * 1000).toFixed(0)} ms from the request to the image · m_k {result.meanActivations.map((v) => (v === null ? '–' : v.toPrecision(3))).join(', ')}
            </p>
          )}
          {result?.readings && (
            <ErrorBoundary label="Probe readings">
              <ProbeTable readings={result.readings} params={result.params} />
            </ErrorBoundary>
          )}
        </section>
      </ErrorBoundary>
      <ErrorBoundary label="Sweep" onReset={() => useLab.getState().clearSteerResult()}>
        <SweepPanel
          sweep={sweep}
          unit={unit}
          disabled={sweepBlocked}
          onSweep={(count, max) => params && useLab.getState().runSweep({ prompt, negativePrompt: '', seed, latents: params.latents, unit, count, max, mask: params.mask, conditionalOnly })}
          onCancel={() => useLab.getState().cancelSweep()}
          aside={sweep?.state === 'done' && <UnsteeredReading imageId={sweep.unsteeredId} reading={sweep.unsteeredReading} />}
        />
      </ErrorBoundary>
    </>
  );
}

/** Rows for latents handed to the page: each at the shared strength with its sign. */
function rowsOf(latents: readonly SignedLatent[], strength: number): SteerRow[] {
  return latents.map(({ latent, sign }) => ({ latent, sign, alpha: sign * strength }));
}

