/**
 * A project's per-step latent histograms (sae/latent-step-histograms.ts):
 * measured right after the latent statistics (measureSae) and kept beside
 * them in the project folder; for a project trained before they existed, or
 * whose file no longer matches its statistics, measured on first demand
 * (the Latents page's first latent) and written then.
 */
import { PROJECT_FILES, type ProjectFolder } from '../../data/opfs-project';
import type { TrajectoryImages } from '../../dynamics/fit-dynamics';
import type { DynamicsModel } from '../../dynamics/dynamics-file';
import { measureStepHistograms } from '../../flows/latent-step-histograms';
import type { GpuContext } from '../../gpu/context';
import type { LatentStatisticsFile } from '../../sae/latent-statistics-file';
import { readStepHistograms, serializeStepHistograms, stepHistogramsMatch } from '../../sae/latent-step-histograms-file';
import type { StepHistogramsResult } from '../../sae/latent-step-histograms';
import type { SaeConfig } from '../../sae/sae-config';
import type { SaeWeights } from '../../sae/sae-model';

interface Inputs {
  folder: ProjectFolder;
  reader: TrajectoryImages;
  dynamics: DynamicsModel;
  sae: { config: SaeConfig; weights: SaeWeights };
  stats: LatentStatisticsFile;
  signal?: AbortSignal;
  onProgress?: (tokensDone: number, tokensTotal: number) => void;
}

/** Measures every token's per-step histograms and writes them to the project folder. */
export async function writeStepHistograms(inputs: Inputs, ctx: GpuContext): Promise<StepHistogramsResult> {
  const { folder, reader, dynamics, sae, stats, signal, onProgress } = inputs;
  const result = await measureStepHistograms(ctx, reader, dynamics, sae, stats, { signal, onProgress });
  await folder.writeWhole(PROJECT_FILES.latentStepHistograms, serializeStepHistograms(result));
  return result;
}

let cached: { key: string; value: StepHistogramsResult } | null = null;

/** The project's per-step histograms: its file when that matches the statistics, else measured now (and written). */
export async function projectStepHistograms(inputs: Inputs, ctx: GpuContext): Promise<StepHistogramsResult> {
  const file = await inputs.folder.file(PROJECT_FILES.latentStepHistograms);
  const key = file ? `${inputs.folder.id} ${file.lastModified} ${file.size}` : '';
  if (file && cached?.key === key && stepHistogramsMatch(cached.value, inputs.stats)) return cached.value;
  let value = file ? await readStepHistograms(file).catch(() => null) : null;
  if (!value || !stepHistogramsMatch(value, inputs.stats)) value = await writeStepHistograms(inputs, ctx);
  const written = await inputs.folder.file(PROJECT_FILES.latentStepHistograms);
  cached = written ? { key: `${inputs.folder.id} ${written.lastModified} ${written.size}`, value } : null;
  return value;
}

/** Latent k's rows: its edges [bins + 1] and counts [S, bins]. */
export function latentStepHistogram(h: StepHistogramsResult, k: number): { edges: Float64Array; counts: Uint32Array } {
  const m = h.edges.length / (h.bins + 1);
  if (!Number.isInteger(k) || k < 0 || k >= m) throw new RangeError(`latent ${k} is outside 0..${m - 1}`);
  return { edges: h.edges.slice(k * (h.bins + 1), (k + 1) * (h.bins + 1)), counts: h.counts.slice(k * h.S * h.bins, (k + 1) * h.S * h.bins) };
}
