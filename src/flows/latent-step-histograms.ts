import type { DynamicsModel } from '../dynamics/dynamics-file';
import type { TrajectoryImages } from '../dynamics/fit-dynamics';
import type { GpuContext } from '../gpu/context';
import type { LatentStatisticsFile } from '../sae/latent-statistics-file';
import { allStepHistogramEdges, StepHistograms, STEP_HISTOGRAM_BINS, type StepHistogramsResult } from '../sae/latent-step-histograms';
import type { SaeConfig } from '../sae/sae-config';
import type { SaeWeights } from '../sae/sae-model';
import { encodedRows } from '../analysis/encoded-rows';

/**
 * Every latent's per-step histogram of H_k[s, p] = f_k(n, p)·‖v_k[s]‖
 * (sae/latent-step-histograms.ts) over every token of a trajectory set:
 * tokens in file order → residualize → encode (encodedRows, as evaluateSae
 * encodes, so each (latent, step) row sums to the statistics' fire count) →
 * the CSR lists binned on the CPU. `stats` gives each latent's edges
 * (its overall histogram and ‖v_k[s]‖), so it must be these tokens' own.
 * A concat SAE only (dIn = S·d): a per-step SAE's f already has a step.
 */
export async function measureStepHistograms(
  ctx: GpuContext,
  source: TrajectoryImages,
  dynamics: DynamicsModel,
  sae: { config: SaeConfig; weights: SaeWeights },
  stats: LatentStatisticsFile,
  options: { bins?: number; signal?: AbortSignal; onProgress?: (tokensDone: number, tokensTotal: number) => void } = {},
): Promise<StepHistogramsResult> {
  const { config } = sae;
  const { S, d, P, N } = source;
  if (config.dIn !== S * d) throw new Error(`per-step histograms need a concat SAE (dIn = S·d = ${S}·${d} = ${S * d}); this one reads ${config.dIn} values per row`);
  if (stats.steps !== S || stats.statistics.fireCount.length !== config.latents) {
    throw new Error(`the latent statistics are for ${stats.statistics.fireCount.length} latents × ${stats.steps} steps, but the SAE has ${config.latents} latents and the trajectories ${S} steps; measure the SAE again`);
  }
  const { histogram } = stats.statistics;
  const edges = allStepHistogramEdges(histogram.edges, histogram.counts, stats.temporalProfile, S, options.bins ?? STEP_HISTOGRAM_BINS);
  const histograms = new StepHistograms(edges, stats.temporalProfile, S);
  let done = 0;
  for await (const batch of encodedRows(ctx, source, dynamics, sae, Array.from({ length: N }, (_, n) => n), options.signal)) {
    histograms.addEntries(batch.rowStart, batch.latent, batch.value);
    done += batch.rowStart.length - 1;
    options.onProgress?.(done, N * P);
  }
  return histograms.result();
}
