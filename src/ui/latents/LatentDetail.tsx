import { useEffect, useMemo, useState } from 'react';
import { enrichedWords } from '../../data/enriched-words';
import { imageActivations } from '../../state/latents-slice';
import { useLab } from '../../state/store';
import { auroc } from '../../study/auroc';
import type { LatentMaps } from '../../state/latents-slice';
import type { LatentTable } from '../../worker/runtime-protocol';
import { D3Chart } from '../charts/D3Chart';
import { renderGroupedBars, type GroupedBarsData } from '../charts/grouped-bars';
import { renderHeatmapLegend, renderHeatmapOverlay } from '../charts/heatmap-overlay';
import { renderLineChart, type LineChartData } from '../charts/line-chart';
import { RenderedCanvas } from '../charts/RenderedCanvas';
import { downloadBlob } from '../download';
import { canvasGridPng, svgFile } from '../figure-export';
import { ImageCanvas } from '../ImageCanvas';
import { temporalCentre, topImages } from './latent-columns';
import type { DecodedImage } from '../../state/project-images';
import { useProjectImages } from './use-project-image';

/**
 * One latent: where and when it lives — the spatiotemporal heatmap
 * H_k[s, p] = f_k(n, p)·‖v_k[s]‖ as small multiples over its top images with
 * a step scrubber, its temporal profile and activation histogram, its
 * nearest latents by decoder cosine, and a label from the prompt words
 * enriched in its top images.
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
  const max = useMemo(() => {
    if (!maps || maps.latent !== latent) return 0;
    let best = 0;
    for (const v of maps.maps) best = Math.max(best, v);
    return best * Math.max(...profile);
  }, [maps, latent, profile]);

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

  return (
    <section className="panel" data-testid="latent-detail" data-latent={latent}>
      <header className="panel-header">
        <h2>Latent #{latent}</h2>
        <span className="muted" data-testid="latent-label">
          {label.length ? `enriched: ${label.map((w) => `${w.word} (${Math.round(100 * w.topShare)}% vs ${Math.round(100 * w.allShare)}%)`).join(', ')}` : 'no enriched prompt words'}
        </span>
        <button type="button" className="secondary" onClick={() => void exportFigures(latent, S)} data-testid="export-latent-figures" title="the heatmaps as PNG, the profile and histogram as SVG">
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
      </dl>

      <h3>Where and when: H_k[s, p] = f_k(n, p) · ‖v_k[s]‖ on its top images</h3>
      {loading && <p className="muted">Encoding its top images…</p>}
      {!loading && images.length === 0 && <p className="muted">This latent never fired on the collected images.</p>}
      {images.length > 0 && decoded && (
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
          <div className="heatmap-grid" style={{ gridTemplateColumns: `auto repeat(${S}, 1fr)` }} data-testid="heatmaps">
            <span />
            {Array.from({ length: S }, (_, s) => (
              <span key={s} className={`heatmap-step ${s === step ? 'current' : ''}`}>
                step {s + 1}
              </span>
            ))}
            {images.map((n, i) => (
              <HeatmapRow key={n} n={n} image={decoded[i]} f={maps!.maps.subarray(i * table.P, (i + 1) * table.P)} profile={profile} table={table} max={max} step={step} prompt={prompts[n]} />
            ))}
          </div>
        </>
      )}
      <div className="chart-grid">
        <D3Chart render={renderLineChart} data={profileChart} testId="latent-profile" label="temporal profile" />
        <D3Chart render={renderGroupedBars} data={histogram} testId="latent-histogram" label="activation histogram" />
      </div>
    </section>
  );
}

function HeatmapRow({ n, image, f, profile, table, max, step, prompt }: { n: number; image: DecodedImage | null; f: Float32Array; profile: Float32Array; table: LatentTable; max: number; step: number; prompt: string | undefined }) {
  const panels = useMemo(
    () => (image ? Array.from(profile, (norm) => ({ image, values: Array.from(f, (v) => v * norm), height: table.height, width: table.width, max })) : []),
    [image, f, profile, table.height, table.width, max],
  );
  return (
    <>
      <span className="heatmap-caption" title={prompt}>
        #{n}
      </span>
      {image ? (
        panels.map((data, s) => <RenderedCanvas key={s} render={renderHeatmapOverlay} data={data} className={`heatmap pixelated ${s === step ? 'current' : ''}`} testId={`heatmap-${n}-${s}`} title={`image ${n}, step ${s + 1}: ${prompt ?? ''}`} />)
      ) : (
        <span className="muted small" style={{ gridColumn: 'span 999' }}>
          image {n} was not saved
        </span>
      )}
    </>
  );
}

/** The latent page's figures: the heatmap small multiples (PNG, one row per image) and the profile and histogram charts (SVG). */
async function exportFigures(latent: number, S: number): Promise<void> {
  const grid = document.querySelector('[data-testid="heatmaps"]');
  const canvases = grid ? [...grid.querySelectorAll('canvas')] : [];
  if (canvases.length > 0) {
    const rows = Array.from({ length: Math.ceil(canvases.length / S) }, (_, r) => canvases.slice(r * S, (r + 1) * S));
    downloadBlob(await canvasGridPng(rows), `latent-${latent}-heatmaps.png`);
  }
  for (const id of ['latent-profile', 'latent-histogram']) {
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
