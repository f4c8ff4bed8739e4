import type { GpuContext } from '../../gpu/context';
import { f32 } from '../../gpu/params';

const WG = 64;

/**
 * Records the per-step bookkeeping (shaders/sae-bookkeeping.wgsl): idle
 * tokens per latent (dead-latent rule), fires per latent in the metrics
 * window, and for batchtopk the EMA of the inference threshold. Skipped on
 * the GPU once training diverged.
 * listStart, listStride: the batch's per-latent lists (LatentLists' start and stride: entries of
 * latent j = listStart[(j + 1) · stride] − listStart[j · stride]); selectState: the main selection's state.
 */
export function recordBookkeeping(
  ctx: GpuContext,
  args: {
    listStart: GPUBuffer;
    listStride: number;
    selectState: GPUBuffer;
    trainState: GPUBuffer;
    idle: GPUBuffer;
    fires: GPUBuffer;
    threshold: GPUBuffer;
    latents: number;
    rows: number;
    updateThreshold: boolean;
    decay: number;
  },
): void {
  const a = args;
  ctx.dispatch({
    shader: 'sae-bookkeeping',
    bindings: [a.listStart, a.selectState, a.trainState, a.idle, a.fires, a.threshold],
    params: [a.latents, a.rows, a.updateThreshold ? 1 : 0, f32(a.decay), a.listStride],
    workgroups: [Math.ceil(a.latents / WG)],
  });
}
