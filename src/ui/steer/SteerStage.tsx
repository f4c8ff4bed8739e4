import { useEffect, useMemo, useState } from 'react';
import { images } from '../../state/model-slice';
import { currentProject } from '../../state/project-slice';
import type { SteerPreset } from '../../state/project-record';
import type { SteerParams } from '../../state/steer-slice';
import { useLab } from '../../state/store';
import { encodePng } from '../../data/png';
import { downloadBlob } from '../download';
import { ErrorBoundary } from '../ErrorBoundary';
import { ImageCanvas } from '../ImageCanvas';
import { PixelCanvas } from '../PixelCanvas';
import { differenceImage, pixelChange } from './pixel-change';
import { MaskPainter } from './MaskPainter';

/** Milliseconds a control must rest before the image is re-run. */
const DEBOUNCE_MS = 250;

/**
 * Steer: a prompt generated with the project's SAE latents added (α in units
 * of each latent's mean activation, negative allowed) or ablated, inside a
 * window of UNet calls and a painted mask, beside the unsteered image, with
 * the difference, the pixel change inside and outside the mask, and on the
 * toy model the probe's attribute probabilities before and after. Every
 * change re-runs (debounced) from the first steered call.
 */
export function SteerStage() {
  const project = useLab(currentProject);
  const model = useLab((s) => s.model);
  const initialLatents = useLab((s) => s.steerLatents);
  const running = useLab((s) => s.steerRunning);
  const result = useLab((s) => s.steerResult);
  const error = useLab((s) => s.steerError);
  const collect = project?.collect;
  const calls = collect?.settings.sampler.steps ?? 0;
  const gridH = collect?.settings.height ?? 1;
  const gridW = collect?.settings.width ?? 1;

  const [prompt, setPrompt] = useState(() => project?.prompts?.entries[0]?.prompt ?? '');
  const [seed, setSeed] = useState(() => project?.prompts?.entries[0]?.seed ?? 0);
  const [latentsText, setLatentsText] = useState(initialLatents.join(', '));
  const [alpha, setAlpha] = useState(4);
  const [window, setWindow] = useState<[number, number]>([0, calls]);
  const [mask, setMask] = useState<Float32Array>(() => new Float32Array(gridH * gridW));
  const [ablate, setAblate] = useState(false);
  const [conditionalOnly, setConditionalOnly] = useState(false);
  useEffect(() => setLatentsText(initialLatents.join(', ')), [initialLatents]);

  const m = project?.sae?.config.latents ?? 0;
  const ids = latentsText.split(/[\s,]+/).filter(Boolean).map(Number);
  const latentError = ids.length === 0 ? 'Choose one or more latents (ids, comma-separated), or open one on the Latents page and click “Steer with it”.' : ids.find((k) => !Number.isInteger(k) || k < 0 || k >= m) !== undefined ? `Latent ids must be integers in 0..${m - 1}.` : null;
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
      latents: ids.map((latent) => ({ latent, alpha })),
      window: window[0] === 0 && window[1] === calls ? null : window,
      mask: mask.some((v) => v > 0) ? mask : null,
      ablate,
      conditionalOnly,
    };
    // eslint-disable-next-line react-hooks/exhaustive-deps
  }, [prompt, seed, latentsText, alpha, window, mask, ablate, conditionalOnly, latentError, hookMismatch, model.state, calls]);

  useEffect(() => {
    if (!params) return;
    const timer = setTimeout(() => useLab.getState().runSteer(params), DEBOUNCE_MS);
    return () => clearTimeout(timer);
  }, [params]);

  if (!project?.sae || project.sae.state !== 'done' || !collect) return <section className="panel"><p className="muted">Train an SAE first (the SAE page); then steer with its latents here.</p></section>;
  const shown = result && images;
  return (
    <>
      <section className="panel" data-testid="steer-panel" data-running={running !== null}>
        <header className="panel-header">
          <h2>Steer</h2>
          {running !== null && <span className="status busy">generating…</span>}
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
          <label>
            Latents
            <input value={latentsText} onChange={(e) => setLatentsText(e.target.value)} data-testid="steer-latents" placeholder="e.g. 5, 12" />
          </label>
        </div>
        <div className="form-row">
          <label className="grow">
            Strength α = {alpha} × m_k {ablate && '(unused when ablating)'}
            <input type="range" min={-20} max={20} step={0.5} value={alpha} onChange={(e) => setAlpha(Number(e.target.value))} disabled={ablate} data-testid="steer-alpha" />
          </label>
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
          current={{ prompt, seed, latents: ids, alpha, window, mask: Array.from(mask), ablate, conditionalOnly }}
          onLoad={(p) => {
            setPrompt(p.prompt);
            setSeed(p.seed);
            setLatentsText(p.latents.join(', '));
            setAlpha(p.alpha);
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
                <figure>
                  <figcaption>Steered</figcaption>
                  <ImageCanvas imageId={result.steeredId} testId="steered-image" className="steer-image" />
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
              {result.callsRun} UNet calls re-run from the cached unsteered latents · {(result.seconds * 1000).toFixed(0)} ms from the request to the image · m_k {result.meanActivations.map((v) => v.toPrecision(3)).join(', ')}
            </p>
          )}
          {result?.readings && (
            <ErrorBoundary label="Probe readings">
              <ProbeTable readings={result.readings} params={result.params} />
            </ErrorBoundary>
          )}
        </section>
      </ErrorBoundary>
    </>
  );
}

/** Both runs call by call (the latent after each UNet call through the model's preview map), the steered calls marked. */
function PreviewStrips({ previews, window }: { previews: { unsteered: string[]; steered: string[] }; window: readonly [number, number] }) {
  return (
    <div className="preview-strips" data-testid="preview-strips">
      {(['unsteered', 'steered'] as const).map((run) => (
        <div className="preview-strip" key={run}>
          <span className="muted small">{run}</span>
          {previews[run].map((id, c) => (
            <ImageCanvas key={id} imageId={id} className={`preview-frame ${run === 'steered' && c >= window[0] && c < window[1] ? 'steered' : ''}`} title={`${run}, after UNet call ${c}`} />
          ))}
        </div>
      ))}
    </div>
  );
}

/** Saved steering settings of the project: load one, or save the current ones under a name. */
function PresetRow({ presets, current, onLoad, onSave }: { presets: SteerPreset[]; current: Omit<SteerPreset, 'name'>; onLoad: (p: SteerPreset) => void; onSave: (p: SteerPreset) => void }) {
  const [name, setName] = useState('');
  return (
    <div className="form-row">
      <label>
        Presets
        <select value="" onChange={(e) => { const p = presets.find((x) => x.name === e.target.value); if (p) onLoad(p); }} disabled={presets.length === 0} data-testid="steer-presets">
          <option value="">{presets.length ? `load one of ${presets.length}…` : 'none saved yet'}</option>
          {presets.map((p) => (
            <option key={p.name} value={p.name}>
              {p.name}
            </option>
          ))}
        </select>
      </label>
      <label>
        Save as
        <span className="inline">
          <input value={name} onChange={(e) => setName(e.target.value)} placeholder="preset name" data-testid="preset-name" style={{ width: 140 }} />
          <button type="button" className="secondary" disabled={!name.trim()} onClick={() => { onSave({ ...current, name: name.trim() }); setName(''); }} data-testid="save-preset">
            Save
          </button>
        </span>
      </label>
    </div>
  );
}

/** Both images as PNGs, named after the prompt, seed and the steering. */
async function exportPair(unsteeredId: string, steeredId: string, params: SteerParams): Promise<void> {
  const base = `${params.prompt.replace(/[^\w]+/g, '_').slice(0, 40)}-seed${params.seed}`;
  const how = params.ablate ? 'ablate' : `alpha${params.latents[0]?.alpha ?? 0}`;
  for (const [id, name] of [[unsteeredId, `${base}-unsteered.png`], [steeredId, `${base}-latents${params.latents.map((l) => l.latent).join('+')}-${how}.png`]] as const) {
    const image = images.get(id);
    downloadBlob(new Blob([(await encodePng({ width: image.width, height: image.height, data: image.rgba })) as Uint8Array<ArrayBuffer>], { type: 'image/png' }), name);
  }
}

/** |steered − unsteered| × 4 and the mean pixel change, computed from the two images' pixels (nothing is stored). */
function DifferencePanel({ unsteeredId, steeredId, mask, gridH, gridW }: { unsteeredId: string; steeredId: string; mask: Float32Array | null; gridH: number; gridW: number }) {
  const { difference, change } = useMemo(() => {
    const a = images.get(unsteeredId);
    const b = images.get(steeredId);
    return {
      difference: { width: a.width, height: a.height, rgba: differenceImage(a.rgba, b.rgba) },
      change: pixelChange(a.rgba, b.rgba, a.width, a.height, mask, gridH, gridW),
    };
  }, [unsteeredId, steeredId, mask, gridH, gridW]);
  return (
    <figure>
      <figcaption>|difference| × 4</figcaption>
      <PixelCanvas image={difference} testId="difference-image" className="steer-image" />
      <figcaption className="muted small" data-testid="pixel-change" data-inside={change.inside} data-outside={change.outside}>
        mean change {mask ? `inside the mask ${change.inside.toFixed(1)}, outside ${change.outside.toFixed(1)}` : `${change.all.toFixed(1)}`} (of 255)
      </figcaption>
    </figure>
  );
}

function ProbeTable({ readings, params }: { readings: NonNullable<NonNullable<ReturnType<typeof useLab.getState>['steerResult']>['readings']>; params: SteerParams }) {
  // What the readings are of, for scripts reading the page (the request that produced them).
  const of = { prompt: params.prompt, seed: params.seed, latents: params.latents, ablate: params.ablate, masked: params.mask !== null };
  return (
    <table className="results" data-testid="probe-table" data-request={JSON.stringify(of)}>
      <thead>
        <tr>
          <th>attribute</th>
          <th>unsteered</th>
          <th>steered</th>
          <th>largest change in probability</th>
        </tr>
      </thead>
      <tbody>
        {Object.keys(readings.unsteered).map((attribute) => {
          const before = readings.unsteered[attribute];
          const after = readings.steered[attribute];
          const [value, delta] = Object.keys(after.probabilities)
            .map((v) => [v, after.probabilities[v] - before.probabilities[v]] as const)
            .reduce((best, x) => (Math.abs(x[1]) > Math.abs(best[1]) ? x : best));
          return (
            <tr key={attribute} data-attribute={attribute} data-before={before.value} data-after={after.value} data-probabilities-before={JSON.stringify(before.probabilities)} data-probabilities-after={JSON.stringify(after.probabilities)}>
              <td>{attribute}</td>
              <td>
                {before.value} ({(100 * before.probabilities[before.value]).toFixed(0)}%)
              </td>
              <td className={after.value !== before.value ? 'changed' : ''}>
                {after.value} ({(100 * after.probabilities[after.value]).toFixed(0)}%)
              </td>
              <td>
                {value}: {delta >= 0 ? '+' : ''}
                {(100 * delta).toFixed(1)} points
              </td>
            </tr>
          );
        })}
      </tbody>
    </table>
  );
}
