import { imagesToTokens } from '../data/trajectory-file';
import type { DynamicsModel } from '../dynamics/dynamics-file';
import { uploadDynamics } from '../dynamics/gpu-dynamics';
import { Residualizer } from '../dynamics/residualize';
import type { GpuContext } from '../gpu/context';
import type { SaeConfig } from '../sae/sae-config';
import { SaeEncoder } from '../sae/inference';
import { SaeModel, type SaeWeights } from '../sae/sae-model';

/**
 * f_k(n, p) of chosen latents over the tokens of one image (DESIGN §1.5's
 * spatial map; §1.6's ablation): the image's trajectory [S, P, d] →
 * residualized z per token → SAE encoding → the chosen latents' activations.
 * Returns [J, P] f32, row j = latents[j] (0 where it does not fire).
 * A per-step SAE (dIn = d, the ablation's no-concat arms) encodes each step
 * of a token on its own: then [J, S, P], f_k(n, p) at each step.
 */
export async function imageLatentActivations(
  ctx: GpuContext,
  dynamics: DynamicsModel,
  sae: { config: SaeConfig; weights: SaeWeights },
  trajectory: Float32Array,
  latents: readonly number[],
): Promise<Float32Array> {
  const { S, d } = dynamics;
  const { config } = sae;
  // SAE rows per token: 1 for a concat SAE, S for a per-step one ([tokens, S, d] is [tokens·S, d]).
  const R = config.dIn === S * d ? 1 : config.dIn === d ? S : 0;
  if (R === 0) throw new Error(`the SAE's input is ${config.dIn} wide; these dynamics give S·d = ${S}·${d} = ${S * d} (or d = ${d} per step)`);
  if (trajectory.length % (S * d) !== 0) throw new Error(`trajectory has ${trajectory.length} values, not a multiple of S·d = ${S * d}`);
  for (const k of latents) if (!Number.isInteger(k) || k < 0 || k >= config.latents) throw new RangeError(`latent ${k} is outside 0..${config.latents - 1}`);
  const P = trajectory.length / (S * d);
  const tokens = imagesToTokens(trajectory, 1, S, P, d);
  const rows = Math.floor(config.batchSize / R);
  if (rows < 1) throw new Error(`a per-step SAE encodes S = ${S} rows per token, more than its batchSize ${config.batchSize}`);
  const column = new Map(latents.map((k, j) => [k, j]));
  const out = new Float32Array(latents.length * R * P);

  const dyn = uploadDynamics(ctx, dynamics);
  const residualizer = new Residualizer(ctx, dyn, rows);
  const model = SaeModel.fromWeights(ctx, config, sae.weights);
  const encoder = new SaeEncoder(ctx, model, rows * R);
  const x = ctx.createBuffer(rows * S * d * 4, 'activations.x');
  const z = ctx.createBuffer(rows * S * d * 4, 'activations.z');
  try {
    for (let first = 0; first < P; first += rows) {
      const count = Math.min(rows, P - first);
      // Rows past `count` are zero padding; their activations are ignored.
      const batch = new Float32Array(rows * S * d);
      batch.set(tokens.subarray(first * S * d, (first + count) * S * d));
      ctx.write(x, batch);
      residualizer.residualize({ x, z, tokens: rows });
      const active = await encoder.encode(z);
      const rowStart = await ctx.readU32(active.rowStart, 0, rows * R + 1);
      const entries = Math.min(rowStart[rows * R], active.capacity);
      const latent = await ctx.readU32(active.latent, 0, Math.max(1, entries));
      const value = await ctx.readF32(active.value, 0, Math.max(1, entries));
      // SAE row r is token first + ⌊r/R⌋ at step r mod R.
      for (let r = 0; r < count * R; r++) {
        for (let e = rowStart[r]; e < Math.min(rowStart[r + 1], entries); e++) {
          const j = column.get(latent[e]);
          if (j !== undefined) out[(j * R + (r % R)) * P + first + Math.floor(r / R)] = value[e];
        }
      }
    }
    return out;
  } finally {
    x.destroy();
    z.destroy();
    encoder.destroy();
    model.destroy();
    residualizer.destroy();
    dyn.destroy();
  }
}
