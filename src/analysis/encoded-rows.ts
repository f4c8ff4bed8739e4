import type { DynamicsModel } from '../dynamics/dynamics-file';
import type { TrajectoryImages } from '../dynamics/fit-dynamics';
import { uploadDynamics } from '../dynamics/gpu-dynamics';
import { Residualizer } from '../dynamics/residualize';
import type { GpuContext } from '../gpu/context';
import { SaeEncoder } from '../sae/inference';
import { borrowResidentSae } from '../sae/resident-sae';
import type { SaeConfig } from '../sae/sae-config';
import { SaeModel, type SaeWeights } from '../sae/sae-model';
import { tokensInOrder } from '../sae/token-batches';

/** One batch of SAE rows as CSR lists on the CPU: row r is SAE row firstRow + r (row (n·P + p)·R + s). */
export interface EncodedRows {
  firstRow: number;
  /** [rows + 1] */
  rowStart: Uint32Array;
  latent: Uint32Array;
  value: Float32Array;
}

/**
 * The SAE encodings of some images' tokens, as evaluateSae makes them:
 * tokens in file order → residualize → encode, R = 1 SAE row per token for
 * a concat SAE, R = S for a per-step one (dIn = d), each batch's active
 * lists read back. For measurements that need every latent on a few images
 * without a dense [m, tokens] array (at m = 16384 and 32 images of 256
 * positions that would be 0.5 GB).
 */
export async function* encodedRows(
  ctx: GpuContext,
  source: TrajectoryImages,
  dynamics: DynamicsModel,
  sae: { config: SaeConfig; weights: SaeWeights },
  images: readonly number[],
  signal?: AbortSignal,
): AsyncGenerator<EncodedRows> {
  const { config } = sae;
  const { S, d } = source;
  // SAE rows per token: 1 for a concat SAE, S for a per-step one ([tokens, S, d] is [tokens·S, d]).
  const R = config.dIn === S * d ? 1 : config.dIn === d ? S : 0;
  if (R === 0) throw new Error(`the SAE's input is ${config.dIn} wide; these trajectories give S·d = ${S}·${d} = ${S * d} (or d = ${d} per step)`);
  const rows = Math.floor(config.batchSize / R);
  if (rows < 1) throw new Error(`a per-step SAE encodes S = ${S} rows per token, more than its batchSize ${config.batchSize}`);
  // The copies the worker keeps resident for its project (sae/resident-sae.ts), else this pass's own.
  const resident = borrowResidentSae(ctx, dynamics, sae);
  const dyn = resident?.value.dynamics ?? uploadDynamics(ctx, dynamics);
  const residualizer = new Residualizer(ctx, dyn, rows);
  const model = resident?.value.model ?? SaeModel.fromWeights(ctx, config, sae.weights);
  const encoder = new SaeEncoder(ctx, model, rows * R);
  const x = ctx.createBuffer(rows * S * d * 4, 'encoded-rows.x');
  const z = ctx.createBuffer(rows * S * d * 4, 'encoded-rows.z');
  try {
    for await (const batch of tokensInOrder(source, rows, images)) {
      signal?.throwIfAborted();
      ctx.write(x, batch.rows);
      residualizer.residualize({ x, z, tokens: rows });
      const active = await encoder.encode(z);
      // Rows past batch.tokens·R are padding: only the real tokens' lists are read.
      const rowStart = await ctx.readU32(active.rowStart, 0, batch.tokens * R + 1);
      const count = rowStart[batch.tokens * R];
      if (count > active.capacity) throw new RangeError(`the active set lists ${count} entries but holds only ${active.capacity}; its tail was dropped`);
      const [latent, value] = count === 0 ? [new Uint32Array(0), new Float32Array(0)] : await Promise.all([ctx.readU32(active.latent, 0, count), ctx.readF32(active.value, 0, count)]);
      yield { firstRow: batch.firstToken * R, rowStart, latent, value };
    }
  } finally {
    x.destroy();
    z.destroy();
    encoder.destroy();
    residualizer.destroy();
    if (resident) resident.done();
    else {
      model.destroy();
      dyn.destroy();
    }
  }
}
