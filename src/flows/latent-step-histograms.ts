import type { DynamicsModel } from '../dynamics/dynamics-file';
import type { TrajectoryImages } from '../dynamics/fit-dynamics';
import { uploadDynamics } from '../dynamics/gpu-dynamics';
import { Residualizer } from '../dynamics/residualize';
import type { GpuContext } from '../gpu/context';
import { SaeEncoder } from '../sae/inference';
import type { LatentStatisticsFile } from '../sae/latent-statistics-file';
import { allStepHistogramEdges, StepHistograms, STEP_HISTOGRAM_BINS, type StepHistogramsResult } from '../sae/latent-step-histograms';
import type { SaeConfig } from '../sae/sae-config';
import { SaeModel, type SaeWeights } from '../sae/sae-model';
import { tokensInOrder } from './token-batches';

/**
 * Every latent's per-step histogram of H_k[s, p] = f_k(n, p)·‖v_k[s]‖
 * (sae/latent-step-histograms.ts) over every token of a trajectory set:
 * tokens in file order → residualize → encode (as evaluateSae encodes, so
 * each (latent, step) row sums to the statistics' fire count) → the CSR
 * lists read back and binned on the CPU. `stats` gives each latent's edges
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
  const rows = config.batchSize;
  const dyn = uploadDynamics(ctx, dynamics);
  const residualizer = new Residualizer(ctx, dyn, rows);
  const model = SaeModel.fromWeights(ctx, config, sae.weights);
  const encoder = new SaeEncoder(ctx, model, rows);
  const x = ctx.createBuffer(rows * S * d * 4, 'step-histograms.x');
  const z = ctx.createBuffer(rows * S * d * 4, 'step-histograms.z');
  let done = 0;
  try {
    for await (const batch of tokensInOrder(source, rows)) {
      options.signal?.throwIfAborted();
      ctx.write(x, batch.rows);
      residualizer.residualize({ x, z, tokens: rows });
      const active = await encoder.encode(z);
      // Rows past batch.tokens are padding: only the real tokens' lists are read.
      const rowStart = await ctx.readU32(active.rowStart, 0, batch.tokens + 1);
      const count = rowStart[batch.tokens];
      const [latent, value] = count === 0 ? [new Uint32Array(0), new Float32Array(0)] : await Promise.all([ctx.readU32(active.latent, 0, count), ctx.readF32(active.value, 0, count)]);
      histograms.addEntries(rowStart, latent, value);
      done += batch.tokens;
      options.onProgress?.(done, N * P);
    }
    return histograms.result();
  } finally {
    x.destroy();
    z.destroy();
    encoder.destroy();
    model.destroy();
    residualizer.destroy();
    dyn.destroy();
  }
}
