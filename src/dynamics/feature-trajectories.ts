import type { GpuContext } from '../gpu/context';
import { gridStrideGroups } from '../gpu/dispatch-grid';
import type { GpuDynamics } from './gpu-dynamics';
import { Residualizer } from './residualize';

/** Threads per workgroup of shaders/dynamics-step-norms.wgsl. */
const WG = 256;

export interface FeatureTrajectoryArgs {
  /** W_dec: [latents, S·d] row-major f32, row k = u_k = [u_1; …; u_S] in normalised z-space. */
  wDec: GPUBuffer;
  latents: number;
  /** [latents, S, d]: written, v_k[s] in activation space. */
  trajectories: GPUBuffer;
  /** [latents, S]: written, the temporal profile ‖v_k[s]‖. */
  profile: GPUBuffer;
}

/**
 * Feature trajectories: each decoder row mapped to activation
 * space through the linear part of the inverse, v_1 = u_1·scale_1,
 * v_s = A_s v_{s-1} + u_s·scale_s — the inverse with b dropped, run on all
 * latents at once as one batch of `latents` tokens (one matmul per step).
 * Because the inverse is affine, inverse(Σ_k f_k u_k + b_dec) − inverse(b_dec)
 * = Σ_k f_k v_k. Then the temporal profile ‖v_k[s]‖, the latent's size at each step.
 */
export function featureTrajectories(ctx: GpuContext, dyn: GpuDynamics, args: FeatureTrajectoryArgs): void {
  const { wDec, latents, trajectories, profile } = args;
  const { S, d } = dyn;
  if (profile.size < latents * S * 4) {
    throw new RangeError(`profile ("${profile.label}") holds ${profile.size} bytes; [${latents}, ${S}] f32 needs ${latents * S * 4}`);
  }
  const residualizer = new Residualizer(ctx, dyn, Math.max(1, latents));
  residualizer.invert({ z: wDec, x: trajectories, tokens: latents, affine: false });
  ctx.dispatch({
    shader: 'dynamics-step-norms',
    constants: { WG },
    bindings: [trajectories, profile],
    params: [latents * S, d],
    workgroups: [gridStrideGroups(ctx, latents * S, WG)],
  });
  // Safe right after submit: the WebGPU spec (GPUBuffer.destroy) lets memory go only once
  // previously submitted work using it completes.
  ctx.submit();
  residualizer.destroy();
}
