import type { GpuContext } from '../gpu/context';
import type { DynamicsModel } from '../dynamics/dynamics-file';
import type { TrajectoryImages } from '../dynamics/fit-dynamics';
import { uploadDynamics } from '../dynamics/gpu-dynamics';
import { ReconstructionMetrics, type InverseMode } from '../dynamics/reconstruction-metrics';
import { Residualizer } from '../dynamics/residualize';
import { SaeEncoder } from '../sae/inference';
import type { SaeConfig } from '../sae/sae-config';
import { SaeModel, type SaeWeights } from '../sae/sae-model';
import { sparseDecode } from '../sae/forward';
import { LatentStatistics, type LatentStatisticsResult } from '../sae/latent-statistics';
import { tokensInOrder } from '../sae/token-batches';
import { rowLayout } from './train-sae';

export interface EvaluationReport {
  tokens: number;
  /** FVU of z (the SAE's input space) and of x (activations, through the inverse). */
  fvuZ: number;
  fvuX: number;
  fvuZPerStep: number[];
  fvuXPerStep: number[];
  inverse: InverseMode;
  /** Mean active latents per token (per trajectory: a per-step SAE's S rows count together). */
  l0: number;
  /** % of latents that never fire on the evaluated tokens. */
  deadPercent: number;
  /** % of latents that fire on more than config.denseFraction of them. */
  densePercent: number;
  /** Per-latent firing, mean activation, histogram and top tokens over the evaluated tokens (tokens numbered n·P + p). */
  statistics: LatentStatisticsResult;
}

export interface EvaluateSaeOptions {
  /** Images to evaluate on (default: all). */
  images?: readonly number[];
  inverse?: InverseMode;
  /** The SAE is per-step (see TrainSaeOptions.perStep); statistics then count (token, step) rows. */
  perStep?: boolean;
  onProgress?: (tokensDone: number, tokensTotal: number) => void;
  signal?: AbortSignal;
}

/**
 * Measures an SAE on a trajectory set: every token once → residualize →
 * encode → sparse decode → FVU in z- and x-space (overall and per step),
 * L0, dead and dense latents, and the per-latent statistics the Explore view
 * and steering (m_k) use.
 */
export async function evaluateSae(
  ctx: GpuContext,
  source: TrajectoryImages,
  dynamics: DynamicsModel,
  sae: { config: SaeConfig; weights: SaeWeights },
  options: EvaluateSaeOptions = {},
): Promise<EvaluationReport> {
  const { config } = sae;
  const { S, d, P } = source;
  const { tokens: rows, rowsPerToken } = rowLayout(config, S, d, options.perStep ?? false);
  const images = options.images ?? Array.from({ length: source.N }, (_, n) => n);
  const dyn = uploadDynamics(ctx, dynamics);
  const residualizer = new Residualizer(ctx, dyn, rows);
  const metrics = new ReconstructionMetrics(ctx, dyn, { maxTokens: rows, inverse: options.inverse });
  const model = SaeModel.fromWeights(ctx, config, sae.weights);
  const encoder = new SaeEncoder(ctx, model, config.batchSize);
  const x = ctx.createBuffer(rows * S * d * 4, 'eval.x');
  const z = ctx.createBuffer(rows * S * d * 4, 'eval.z');
  const zHat = ctx.createBuffer(rows * S * d * 4, 'eval.zHat');
  // Told P, the statistics also keep each latent's spatial spread and a sample of its firing images.
  const statistics = new LatentStatistics(ctx, config.latents, { positions: P, rowsPerPosition: rowsPerToken });
  let tokensDone = 0;
  try {
    for await (const batch of tokensInOrder(source, rows, images)) {
      options.signal?.throwIfAborted();
      ctx.write(x, batch.rows);
      residualizer.residualize({ x, z, tokens: rows });
      const active = await encoder.encode(z);
      sparseDecode(ctx, { decoder: model.decoder, blocks: model.blocks, dIn: config.dIn, active, bias: model.bDec, out: zHat });
      metrics.add({ x, z, zHat, tokens: batch.tokens });
      // Rows past batch.tokens are padding.
      await statistics.add(active, batch.firstToken * rowsPerToken, batch.tokens * rowsPerToken);
      tokensDone += batch.tokens;
      options.onProgress?.(tokensDone, images.length * P);
    }
    const report = await metrics.read();
    const stats = statistics.result();
    const denseAbove = config.denseFraction * tokensDone;
    const fires = stats.fireCount;
    return {
      tokens: tokensDone,
      fvuZ: report.fvuZ,
      fvuX: report.fvuX,
      fvuZPerStep: Array.from(report.fvuZPerStep),
      fvuXPerStep: Array.from(report.fvuXPerStep),
      inverse: report.inverse,
      l0: fires.reduce((sum, c) => sum + c, 0) / tokensDone,
      deadPercent: (100 * fires.filter((c) => c === 0).length) / config.latents,
      densePercent: (100 * fires.filter((c) => c > denseAbove).length) / config.latents,
      statistics: stats,
    };
  } finally {
    for (const b of [x, z, zHat]) b.destroy();
    encoder.destroy();
    model.destroy();
    metrics.destroy();
    residualizer.destroy();
    dyn.destroy();
  }
}
