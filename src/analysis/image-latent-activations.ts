import type { DynamicsModel } from '../dynamics/dynamics-file';
import type { GpuContext } from '../gpu/context';
import type { SaeConfig } from '../sae/sae-config';
import type { SaeWeights } from '../sae/sae-model';
import { encodedRows } from './encoded-rows';

/**
 * f_k(n, p) of chosen latents over the tokens of one image (the spatial map,
 * and what ablation subtracts): the image's trajectory [S, P, d] →
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
  const column = new Map(latents.map((k, j) => [k, j]));
  const out = new Float32Array(latents.length * R * P);
  const image = { N: 1, S, P, d, readImages: async () => trajectory };
  for await (const { firstRow, rowStart, latent, value } of encodedRows(ctx, image, dynamics, sae, [0])) {
    // SAE row t is token ⌊t/R⌋ at step t mod R.
    for (let r = 0; r + 1 < rowStart.length; r++) {
      const t = firstRow + r;
      for (let e = rowStart[r]; e < rowStart[r + 1]; e++) {
        const j = column.get(latent[e]);
        if (j !== undefined) out[(j * R + (t % R)) * P + Math.floor(t / R)] = value[e];
      }
    }
  }
  return out;
}
