import type { GpuContext } from '../gpu/context';
import type { DynamicsModel } from '../dynamics/dynamics-file';
import { featureTrajectories } from '../dynamics/feature-trajectories';
import { uploadDynamics } from '../dynamics/gpu-dynamics';

/** Latents mapped per pass, so no buffer exceeds WebGPU's default 128 MiB binding at SD 1.5 sizes. */
const CHUNK_BYTES = 64 * 2 ** 20;

export interface FeatureTrajectories {
  latents: number;
  S: number;
  d: number;
  /** v_k[s]: [latents, S, d] row-major (decoder directions through the linear part of the inverse). */
  trajectories: Float32Array;
  /** ‖v_k[s]‖: [latents, S], the temporal profile. */
  profile: Float32Array;
}

/**
 * Every decoder row u_k (W_dec [latents, S·d] in normalised z-space) as a
 * trajectory in activation space, through the linear part of the dynamics'
 * inverse; done in latent chunks on the GPU. A per-step SAE's rows
 * (W_dec [latents, d], the ablation's no-concat arms) are one step's
 * direction, which firing at step s adds there: v_k[s] = scale_s·u_k.
 */
export async function saeFeatureTrajectories(ctx: GpuContext, dynamics: DynamicsModel, wDec: Float32Array, latents: number): Promise<FeatureTrajectories> {
  const { S, d } = dynamics;
  if (S > 1 && wDec.length === latents * d) return perStepTrajectories(dynamics, wDec, latents);
  if (wDec.length !== latents * S * d) {
    throw new Error(`W_dec has ${wDec.length} values, but ${latents} latents × S·d = ${S}·${d} need ${latents * S * d}: is the SAE trained on these dynamics?`);
  }
  const dyn = uploadDynamics(ctx, dynamics);
  const chunk = Math.max(1, Math.min(latents, Math.floor(CHUNK_BYTES / (S * d * 4))));
  const u = ctx.createBuffer(chunk * S * d * 4, 'features.u');
  const v = ctx.createBuffer(chunk * S * d * 4, 'features.v');
  const norms = ctx.createBuffer(chunk * S * 4, 'features.profile');
  const trajectories = new Float32Array(latents * S * d);
  const profile = new Float32Array(latents * S);
  try {
    for (let start = 0; start < latents; start += chunk) {
      const count = Math.min(chunk, latents - start);
      ctx.write(u, wDec.subarray(start * S * d, (start + count) * S * d));
      featureTrajectories(ctx, dyn, { wDec: u, latents: count, trajectories: v, profile: norms });
      trajectories.set(await ctx.readF32(v, 0, count * S * d), start * S * d);
      profile.set(await ctx.readF32(norms, 0, count * S), start * S);
    }
    return { latents, S, d, trajectories, profile };
  } finally {
    for (const b of [u, v, norms]) b.destroy();
    dyn.destroy();
  }
}

function perStepTrajectories({ S, d, scales }: DynamicsModel, wDec: Float32Array, latents: number): FeatureTrajectories {
  const trajectories = new Float32Array(latents * S * d);
  const profile = new Float32Array(latents * S);
  for (let k = 0; k < latents; k++) {
    const u = wDec.subarray(k * d, (k + 1) * d);
    const norm = Math.hypot(...u);
    for (let s = 0; s < S; s++) {
      for (let i = 0; i < d; i++) trajectories[(k * S + s) * d + i] = scales[s] * u[i];
      profile[k * S + s] = scales[s] * norm;
    }
  }
  return { latents, S, d, trajectories, profile };
}
