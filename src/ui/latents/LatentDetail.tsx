import { useEffect, useMemo, useState } from 'react';
import { enrichedWords } from '../../analysis/enriched-words';
import { imageActivations } from '../../state/latents-slice';
import { useLab } from '../../state/store';
import { auroc } from '../../analysis/attribute-auroc';
import type { LatentMaps } from '../../state/latents-slice';
import type { LatentTable } from '../../worker/runtime-protocol';
import { D3Chart } from '../charts/D3Chart';
import { renderGroupedBars, type GroupedBarsData } from '../charts/grouped-bars';
import { renderHeatmapLegend, renderHeatmapOverlay } from '../charts/heatmap-overlay';
import { renderLineChart, type LineChartData } from '../charts/line-chart';
import { RenderedCanvas } from '../charts/RenderedCanvas';
import { renderStepHistograms, type StepHistogramsData } from '../charts/step-histograms';
import { downloadBlob } from '../download';
import { canvasGridPng, svgFile } from '../figure-export';
import { ImageCanvas } from '../ImageCanvas';
import { spatialSpread, temporalCentre, topImages } from './latent-columns';
import type { LatentCoFiringStatus, LatentExamples, LatentStepsStatus } from '../../state/latents-slice';
import type { DecodedImage } from '../../state/project-images';
import { useProjectImages, useProjectPreviews } from './use-project-image';

/**
 * One latent: where and when it lives — the spatiotemporal heatmap
 * H_k[s, p] = f_k(n, p)·‖v_k[s]‖ as small multiples over its top images,
 * step s drawn over the image's preview at step s (or over the final
 * image), with a step scrubber that plays through the steps on a large
 * panel, and the same over random images among those it fires on; its
 * temporal profile, spatial spread, activation histogram overall and per
 * step, its nearest latents by decoder cosine, the latents that co-fire
 * with it, and a label from the prompt words enriched in its top images.
 */
export function LatentDetail({ projectId, table, latent, maps, loading, prompts, attributes, onSelect, onSteer }: {
  projectId: string;
  /** Each image's known attribute values (the toy's grid), for AUROCs. */
  attributes: readonly Record<string, string>[] | undefined;
  table: LatentTable;
  latent: number;
  maps: LatentMaps | null;
  loading: boolean;
  prompts: readonly string[];
  onSelect: (k: number) => void;
  onSteer: (k: number) => void;
}) {
  const { S } = table;
  const profile = table.profile.subarray(latent * S, (latent + 1) * S);
  const images = maps?.latent === latent ? maps.images : [];
  const decoded = useProjectImages(projectId, images);
  const previews = useProjectPreviews(projectId, images, S);
  const examples = useLab((s) => (s.latentExamples?.latent === latent ? s.latentExamples : null));
  const random = examples?.state === 'ready' ? examples : null;
  const randomImages = random?.images ?? NONE;
  const randomDecoded = useProjectImages(projectId, randomImages);
  const randomPreviews = useProjectPreviews(projectId, randomImages, S);
  const coFiring = useLab((s) => (s.latentCoFiring?.latent === latent ? s.latentCoFiring : null));
  const withPreviews = previews?.filter((p) => p !== null).length ?? 0;
  const [base, setBase] = useState<'previews' | 'final'>('previews');
  // The image on the large panel: one of the top images (the first by default) or of the random ones.
  const [focus, setFocus] = useState<{ set: 'top' | 'random'; n: number } | null>(null);
  const focusRandom = focus?.set === 'random' && random !== null && randomDecoded !== null && randomPreviews !== null && randomImages.includes(focus.n);
  const focusIndex = focusRandom ? randomImages.indexOf(focus!.n) : Math.max(0, focus?.set === 'top' ? images.indexOf(focus.n) : 0);
  const steps = useLab((s) => s.latentSteps);
  const [step, setStep] = useState(S - 1);
  const [playing, setPlaying] = useState(false);
  useEffect(() => {
    if (!playing) return;
    const timer = setInterval(() => setStep((s) => (s + 1) % S), 700);
    return () => clearInterval(timer);
  }, [playing, S]);
  const label = useMemo(() => enrichedWords(prompts, topImages(table, latent).slice(0, 20)), [prompts, table, latent]);
  const activations = useLab((s) => s.imageActivationsStatus);
  const aurocs = useMemo(() => {
    if (!attributes || activations.state !== 'ready') return null;
    const acts = imageActivations.get(activations.id);
    const scores = Array.from({ length: acts.N }, (_, n) => acts.max[n * acts.m + latent]);
    const values = new Map<string, boolean[]>();
    attributes.forEach((a, n) => {
      for (const [attribute, value] of Object.entries(a)) {
        const key = `${attribute}=${value}`;
        if (!values.has(key)) values.set(key, new Array(acts.N).fill(false));
        values.get(key)![n] = true;
      }
    });
    return [...values.entries()].map(([value, labels]) => ({ value, auroc: auroc(scores, labels) })).filter((v) => Number.isFinite(v.auroc)).sort((a, b) => b.auroc - a.auroc).slice(0, 5);
  }, [attributes, activations, latent]);
  // One colour scale for the top and the random examples, so their heatmaps compare.
  const max = useMemo(() => {
    if (!maps || maps.latent !== latent) return 0;
    let best = 0;
    for (const v of maps.maps) best = Math.max(best, v);
    for (const v of random?.maps ?? []) best = Math.max(best, v);
    return best * Math.max(...profile);
  }, [maps, random, latent, profile]);
  const spread = spatialSpread(table, latent);
  // The large panel's image: one of the top images, or a random example once its row was clicked.
  const onPanel = focusRandom ? { images: randomImages, decoded: randomDecoded, previews: randomPreviews, maps: random!.maps } : { images, decoded, previews, maps: maps?.maps ?? NO_MAPS };

  const profileChart = useMemo<LineChartData>(
    () => ({ xLabel: 'recorded step (UNet call)', yLabel: '‖v_k[s]‖', xTicks: Array.from({ length: S }, (_, s) => s + 1), xTick: (s) => String(table.stepIndices[s - 1] ?? s), series: [{ name: '‖v_k[s]‖', points: Array.from(profile, (v, s) => [s + 1, v] as const) }] }),
    [profile, S, table.stepIndices],
  );
  const histogram = useMemo<GroupedBarsData>(() => {
    const bins = table.histogramEdges.length - 1;
    return {
      categories: Array.from({ length: bins }, (_, b) => table.histogramEdges[b].toPrecision(2)),
      series: [{ name: 'tokens', values: Array.from(table.histogramCounts.subarray(latent * bins, (latent + 1) * bins)) }],
      xLabel: 'activation (bin start, log-spaced)',
      yLabel: 'tokens',
      format: (v) => String(Math.round(v)),
    };
  }, [table, latent]);

  const stepHistograms = useMemo<StepHistogramsData | null>(() => {
    if (steps?.latent !== latent || steps.state !== 'ready') return null;
    return {
      edges: steps.edges,
      counts: Array.from({ length: steps.S }, (_, s) => Array.from(steps.counts.subarray(s * steps.bins, (s + 1) * steps.bins))),
      titles: Array.from({ length: steps.S }, (_, s) => `step ${s + 1} · call ${table.stepIndices[s] ?? s}`),
      xLabel: 'H_k[s, p] = f_k(n, p) · ‖v_k[s]‖ where it fires (log scale, shared by the steps)',
      yLabel: 'tokens',
      highlight: step,
    };
  }, [steps, latent, table.stepIndices, step]);

  return (
    <section className="panel" data-testid="latent-detail" data-latent={latent}>
      <header className="panel-header">
        <h2>Latent #{latent}</h2>
        <span className="muted" data-testid="latent-label">
          {label.length ? `enriched: ${label.map((w) => `${w.word} (${Math.round(100 * w.topShare)}% vs ${Math.round(100 * w.allShare)}%)`).join(', ')}` : 'no enriched prompt words'}
        </span>
        <button type="button" className="secondary" onClick={() => void exportFigures(latent, S)} data-testid="export-latent-figures" title="the heatmaps as PNG, the profile and histograms as SVG">
          Export figures
        </button>
        <FeatureIcon latent={latent} />
        <button type="button" className="primary" onClick={() => onSteer(latent)} data-testid="steer-with-latent">
          Steer with it →
        </button>
      </header>
      <dl className="facts">
        <dt>Firing</dt>
        <dd>
          {(100 * table.firingRate[latent]).toFixed(2)}% of {table.tokens} tokens
        </dd>
        <dt>Mean activation m_k</dt>
        <dd data-testid="latent-mean">{table.meanActivation[latent].toPrecision(4)}</dd>
        <dt>Temporal centre</dt>
        <dd>
          step {temporalCentre(table, latent).toFixed(2)} of {S}
        </dd>
        <dt>Spatial spread</dt>
        <dd data-testid="latent-spread" data-value={spread ?? ''}>
          {spread === null
            ? 'not measured yet (these statistics predate it: measured over every token now, then saved)'
            : spread === 0
              ? 'never fires'
              : `${spread.toFixed(3)}: on average ${(spread * table.P).toFixed(1)} of the ${table.P} positions of each of the ${table.spatial!.fireImages[latent]} images (of ${table.N}) where it fires`}
        </dd>
        <dt>Attribute AUROC</dt>
        <dd data-testid="latent-auroc">
          {aurocs
            ? aurocs.map((a) => (
                <span key={a.value} className="tag" data-value={a.value} data-auroc={a.auroc}>
                  {a.value} {a.auroc.toFixed(2)}
                </span>
              ))
            : attributes
              ? 'encode the images (Concept → latents) to score the prompts’ attributes'
              : 'the prompts carry no attribute values (use the toy attribute grid)'}
        </dd>
        <dt>Nearest latents</dt>
        <dd className="neighbours">
          {Array.from({ length: table.neighbours }, (_, j) => (
            <button type="button" className="link" key={j} onClick={() => onSelect(table.neighbourIndex[latent * table.neighbours + j])}>
              #{table.neighbourIndex[latent * table.neighbours + j]} ({table.neighbourCosine[latent * table.neighbours + j].toFixed(2)})
            </button>
          ))}
        </dd>
        <dt title="latents active on the same tokens where this one fires, by the Jaccard index of their firing tokens">Co-firing latents</dt>
        <CoFiringList status={coFiring} table={table} latent={latent} onSelect={onSelect} />
      </dl>

      <h3>Where and when: H_k[s, p] = f_k(n, p) · ‖v_k[s]‖ on its top images</h3>
      {loading && <p className="muted">Encoding its top images…</p>}
      {!loading && images.length === 0 && <p className="muted">This latent never fired on the collected images.</p>}
      {images.length > 0 && decoded && previews && (
        <>
          <div className="scrubber">
            <button type="button" className="secondary" onClick={() => setPlaying((p) => !p)} data-testid="scrubber-play">
              {playing ? 'Pause' : 'Play'}
            </button>
            <input type="range" min={0} max={S - 1} value={step} onChange={(e) => setStep(Number(e.target.value))} data-testid="step-scrubber" aria-label="recorded step" />
            <span data-testid="scrubber-step">
              step {step + 1} of {S} (UNet call {table.stepIndices[step]})
            </span>
            <D3Chart render={renderHeatmapLegend} data={{ max, label: 'H_k[s, p]' }} label="colour scale" className="legend-chart" />
          </div>
          {withPreviews > 0 ? (
            <div className="heatmap-base" role="radiogroup" aria-label="under the heatmap">
              <span className="muted small">Under the heatmap:</span>
              <label>
                <input type="radio" name={`heatmap-base-${latent}`} checked={base === 'previews'} onChange={() => setBase('previews')} data-testid="heatmap-base-previews" /> the image at that step (preview)
              </label>
              <label>
                <input type="radio" name={`heatmap-base-${latent}`} checked={base === 'final'} onChange={() => setBase('final')} data-testid="heatmap-base-final" /> the final image
              </label>
              {withPreviews < images.length && <span className="muted small">({images.length - withPreviews} of these images have no previews: they show the final image)</span>}
            </div>
          ) : (
            <p className="muted small" data-testid="no-previews">
              Every step shows the final image: per-step previews are saved by a new collection (these images were collected before they were, or with a model without a preview map).
            </p>
          )}
          <div className="heatmap-layout">
            <HeatmapFocus
              n={onPanel.images[focusIndex]}
              image={onPanel.decoded![focusIndex]}
              frames={base === 'previews' ? onPanel.previews![focusIndex] : null}
              f={onPanel.maps.subarray(focusIndex * table.P, (focusIndex + 1) * table.P)}
              norm={profile[step]}
              table={table}
              max={max}
              step={step}
              prompt={prompts[onPanel.images[focusIndex]]}
              kind={focusRandom ? 'random example' : 'top image'}
            />
            <div className="heatmap-grid" style={{ gridTemplateColumns: `auto repeat(${S}, 1fr)` }} data-testid="heatmaps">
              <span />
              {Array.from({ length: S }, (_, s) => (
                <button type="button" key={s} className={`heatmap-step link ${s === step ? 'current' : ''}`} onClick={() => setStep(s)} title={`show step ${s + 1}`}>
                  step {s + 1}
                </button>
              ))}
              {images.map((n, i) => (
                <HeatmapRow
                  key={n}
                  n={n}
                  image={decoded[i]}
                  frames={base === 'previews' ? previews[i] : null}
                  f={maps!.maps.subarray(i * table.P, (i + 1) * table.P)}
                  profile={profile}
                  table={table}
                  max={max}
                  step={step}
                  focused={!focusRandom && i === focusIndex}
                  onFocus={() => setFocus({ set: 'top', n })}
                  prompt={prompts[n]}
                  testId="heatmap"
                />
              ))}
            </div>
          </div>
          <RandomExamples
            latent={latent}
            examples={examples}
            decoded={randomDecoded}
            previews={randomPreviews}
            base={base}
            profile={profile}
            table={table}
            max={max}
            step={step}
            onStep={setStep}
            focused={focusRandom ? focusIndex : null}
            onFocus={(n) => setFocus({ set: 'random', n })}
            prompts={prompts}
          />
        </>
      )}
      <div className="chart-grid">
        <D3Chart render={renderLineChart} data={profileChart} testId="latent-profile" label="temporal profile" />
        <D3Chart render={renderGroupedBars} data={histogram} testId="latent-histogram" label="activation histogram" />
      </div>
      <h3>Activation histogram per step</h3>
      <p className="muted small">
        The SAE reads a token’s whole trajectory, so f_k(n, p) has one value per token; at step s it adds f_k(n, p) · v_k[s] to the activation, of size H_k[s, p] = f_k(n, p) · ‖v_k[s]‖. Each panel counts the
        tokens where the latent fires by that size at one step (over all {table.tokens} tokens; the end bins are open).
      </p>
      <StepHistogramsView status={steps?.latent === latent ? steps : null} data={stepHistograms} />
    </section>
  );
}

function StepHistogramsView({ status, data }: { status: LatentStepsStatus | null; data: StepHistogramsData | null }) {
  if (data) return <D3Chart render={renderStepHistograms} data={data} testId="latent-step-histograms" label="activation histogram per step" className="chart chart-wide" />;
  if (status?.state === 'measuring') {
    return (
      <p className="muted" data-testid="step-histograms-status">
        Measuring the per-step histograms over every token (this SAE was measured before they were kept; once, then saved with the project): {status.done} of {status.total} tokens…
      </p>
    );
  }
  if (status?.state === 'none') return <p className="muted" data-testid="step-histograms-status">No per-step histograms: {status.reason}.</p>;
  return (
    <p className="muted" data-testid="step-histograms-status">
      Reading the per-step histograms…
    </p>
  );
}

/** The chosen image at the scrubber's step, large: step s's heatmap over step s's preview (or the final image). */
function HeatmapFocus({ n, image, frames, f, norm, table, max, step, prompt, kind }: {
  n: number;
  image: DecodedImage | null;
  frames: DecodedImage[] | null;
  f: Float32Array;
  norm: number;
  table: LatentTable;
  max: number;
  step: number;
  prompt: string | undefined;
  kind: 'top image' | 'random example';
}) {
  const under = frames ? frames[step] : image;
  const data = useMemo(() => (under ? { image: under, values: Array.from(f, (v) => v * norm), height: table.height, width: table.width, max } : null), [under, f, norm, table.height, table.width, max]);
  return (
    <figure className="heatmap-focus">
      {data ? (
        <RenderedCanvas render={renderHeatmapOverlay} data={data} className="pixelated" testId="heatmap-focus" attributes={{ image: n, step, base: frames ? 'preview' : 'final', kind }} title={prompt} />
      ) : (
        <span className="muted small">image {n} was not saved</span>
      )}
      <figcaption className="muted small">
        #{n} ({kind}) at step {step + 1} (UNet call {table.stepIndices[step]}), over {frames ? 'its preview at that step' : 'the final image'}
        {prompt && <span className="heatmap-prompt">“{prompt}”</span>}
      </figcaption>
    </figure>
  );
}

function HeatmapRow({ n, image, frames, f, profile, table, max, step, focused, onFocus, prompt, testId }: {
  n: number;
  image: DecodedImage | null;
  /** The image's previews [S] (heatmap s over preview s), or null for the final image under every step. */
  frames: DecodedImage[] | null;
  f: Float32Array;
  profile: Float32Array;
  table: LatentTable;
  max: number;
  step: number;
  focused: boolean;
  onFocus: () => void;
  prompt: string | undefined;
  /** Prefix of the row's test ids: `${testId}-row-${n}`, `${testId}-${n}-${s}`. */
  testId: string;
}) {
  const panels = useMemo(
    () => (image ? Array.from(profile, (norm, s) => ({ image: frames ? frames[s] : image, values: Array.from(f, (v) => v * norm), height: table.height, width: table.width, max })) : []),
    [image, frames, f, profile, table.height, table.width, max],
  );
  return (
    <>
      <button type="button" className={`heatmap-caption link ${focused ? 'current' : ''}`} title={`show #${n} large: ${prompt ?? ''}`} onClick={onFocus} data-testid={`${testId}-row-${n}`}>
        #{n}
        {prompt && <span className="heatmap-prompt">{prompt}</span>}
      </button>
      {image ? (
        panels.map((data, s) => (
          <RenderedCanvas
            key={s}
            render={renderHeatmapOverlay}
            data={data}
            className={`heatmap pixelated ${s === step ? 'current' : ''}`}
            testId={`${testId}-${n}-${s}`}
            attributes={{ base: frames ? 'preview' : 'final' }}
            title={`image ${n}, step ${s + 1} over ${frames ? 'its preview at that step' : 'the final image'}: ${prompt ?? ''}`}
          />
        ))
      ) : (
        <span className="muted small" style={{ gridColumn: 'span 999' }}>
          image {n} was not saved
        </span>
      )}
    </>
  );
}

const NONE: number[] = [];
const NO_MAPS = new Float32Array(0);

/**
 * Random activating examples: images drawn (seeded: "Draw again" takes the
 * next seed) from the latent's random sample of firing images, as small
 * multiples like the top images, on the same colour scale.
 */
function RandomExamples({ latent, examples, decoded, previews, base, profile, table, max, step, onStep, focused, onFocus, prompts }: {
  latent: number;
  examples: LatentExamples | null;
  decoded: (DecodedImage | null)[] | null;
  previews: (DecodedImage[] | null)[] | null;
  base: 'previews' | 'final';
  profile: Float32Array;
  table: LatentTable;
  max: number;
  step: number;
  onStep: (s: number) => void;
  focused: number | null;
  onFocus: (n: number) => void;
  prompts: readonly string[];
}) {
  const seed = examples?.seed ?? 0;
  const firing = table.spatial?.fireImages[latent] ?? 0;
  const sampled = table.spatial ? Math.min(firing, table.spatial.sampleSize) : 0;
  const drawn = examples && examples.state !== 'none' ? examples.images.length : 0;
  return (
    <div className="random-examples" data-testid="random-examples" data-state={examples?.state ?? 'loading'} data-seed={seed} data-images={examples?.state === 'ready' ? examples.images.join(',') : ''}>
      <div className="random-examples-header">
        <h3>Random activating examples</h3>
        <span className="muted small">
          {examples?.state === 'none'
            ? examples.measuring
              ? `These statistics predate the random sample of firing images: measuring it over every token (once, then saved): ${examples.measuring.done} of ${examples.measuring.total} tokens…`
              : `None: ${examples.reason}.`
            : `${drawn} images drawn at random (seed ${seed}) from ${sampled === firing ? `all ${firing}` : `a uniform sample of ${sampled} of the ${firing}`} images where it fires`}
        </span>
        <button
          type="button"
          className="secondary"
          disabled={examples?.state !== 'ready' || sampled <= drawn}
          onClick={() => useLab.getState().drawLatentExamples(latent, seed + 1)}
          data-testid="redraw-examples"
          title={sampled <= drawn ? 'every image it fires on is shown' : 'draw another set (the next seed)'}
        >
          Draw again
        </button>
      </div>
      {examples?.state === 'loading' && <p className="muted">Encoding the drawn images…</p>}
      {examples?.state === 'ready' && decoded && previews && (
        <div className="heatmap-grid" style={{ gridTemplateColumns: `auto repeat(${table.S}, 1fr)` }} data-testid="random-heatmaps">
          <span />
          {Array.from({ length: table.S }, (_, s) => (
            <button type="button" key={s} className={`heatmap-step link ${s === step ? 'current' : ''}`} onClick={() => onStep(s)} title={`show step ${s + 1}`}>
              step {s + 1}
            </button>
          ))}
          {examples.images.map((n, i) => (
            <HeatmapRow
              key={n}
              n={n}
              image={decoded[i]}
              frames={base === 'previews' ? previews[i] : null}
              f={examples.maps.subarray(i * table.P, (i + 1) * table.P)}
              profile={profile}
              table={table}
              max={max}
              step={step}
              focused={focused === i}
              onFocus={() => onFocus(n)}
              prompt={prompts[n]}
              testId="random-heatmap"
            />
          ))}
        </div>
      )}
    </div>
  );
}

/** The latents that co-fire with this one, as links (like its nearest latents), with how the score was measured. */
function CoFiringList({ status, table, latent, onSelect }: { status: LatentCoFiringStatus | null; table: LatentTable; latent: number; onSelect: (k: number) => void }) {
  if (!status || status.state === 'loading') return <dd className="muted" data-testid="cofiring" data-state="loading">encoding its sampled firing images with every latent…</dd>;
  if (status.state === 'none') return <dd className="muted" data-testid="cofiring" data-state="none">none: {status.reason}</dd>;
  const firing = table.spatial?.fireImages[latent] ?? status.images.length;
  return (
    <dd data-testid="cofiring" data-state="ready" data-images={status.images.join(',')}>
      <span className="neighbours">
        {status.index.length === 0 && <span className="muted">no latent fires on any of its tokens</span>}
        {Array.from(status.index, (j, i) => (
          <button
            type="button"
            className="link"
            key={j}
            onClick={() => onSelect(j)}
            data-testid="cofiring-latent"
            data-latent={j}
            data-jaccard={status.jaccard[i]}
            title={`Jaccard ${status.jaccard[i].toFixed(3)} · P(#${j} fires | #${latent} fires) = ${status.conditional[i].toFixed(3)} · lift ${status.lift[i].toFixed(2)}× over #${j}’s firing rate`}
          >
            #{j} ({status.jaccard[i].toFixed(2)})
          </button>
        ))}
      </span>
      <span className="muted small cofiring-note">
        Jaccard index of the two latents’ firing tokens (1: the same tokens); the overlap from its {status.rows} firing tokens in {status.exhaustive ? `all ${firing} images where it fires (exact)` : `a random ${status.images.length} of the ${firing} images where it fires (estimated)`}. Hover for P(j | k) and its lift.
      </span>
    </dd>
  );
}

/** The latent page's figures: the heatmap small multiples (PNG, one row per image) and the profile and histogram charts (SVG; per step too, once measured). */
async function exportFigures(latent: number, S: number): Promise<void> {
  const grid = document.querySelector('[data-testid="heatmaps"]');
  const canvases = grid ? [...grid.querySelectorAll('canvas')] : [];
  if (canvases.length > 0) {
    const rows = Array.from({ length: Math.ceil(canvases.length / S) }, (_, r) => canvases.slice(r * S, (r + 1) * S));
    downloadBlob(await canvasGridPng(rows), `latent-${latent}-heatmaps.png`);
  }
  for (const id of ['latent-profile', 'latent-histogram', 'latent-step-histograms']) {
    const svg = document.querySelector<SVGSVGElement>(`[data-testid="${id}"]`);
    if (svg) downloadBlob(svgFile(svg), `latent-${latent}-${id.replace('latent-', '')}.svg`);
  }
}

/** The latent steered onto the empty prompt (seed 0, α = 8·m_k): what it draws on its own. */
function FeatureIcon({ latent }: { latent: number }) {
  const icon = useLab((s) => s.featureIcon);
  const mine = icon?.latent === latent ? icon : null;
  if (mine?.state === 'ready') return <ImageCanvas imageId={mine.imageId} className="feature-icon" testId="feature-icon" title={`latent ${latent} steered onto the empty prompt (α = 8·m_k, seed 0)`} />;
  return (
    <button type="button" className="secondary" disabled={mine?.state === 'running'} onClick={() => useLab.getState().makeFeatureIcon(latent)} data-testid="make-feature-icon" title="steer this latent onto the empty prompt">
      {mine?.state === 'running' ? 'Drawing…' : 'Feature icon'}
    </button>
  );
}
