import type { GpuContext } from '../gpu/context';
import { validateDynamics, type DynamicsModel } from './dynamics-file';

/**
 * A fitted dynamics model resident on the GPU, as the residualize, inverse,
 * feature-trajectory and metric kernels read it.
 */
export interface GpuDynamics {
  readonly S: number;
  readonly d: number;
  /** [S-1, d, d] row-major: A[s-1] maps step s-1 to step s (0-based steps). */
  readonly A: GPUBuffer;
  /** [S-1, d]. */
  readonly b: GPUBuffer;
  /** [S]: block s of z is (its residual) / scales[s]. */
  readonly scales: GPUBuffer;
  destroy(): void;
}

/** Validates `model` and uploads A, b and the block scales. */
export function uploadDynamics(ctx: GpuContext, model: DynamicsModel): GpuDynamics {
  const { S, d, A, b, scales } = validateDynamics(model);
  const buffers = {
    A: ctx.upload(A, 'dynamics.A'),
    b: ctx.upload(b, 'dynamics.b'),
    scales: ctx.upload(scales, 'dynamics.scales'),
  };
  return {
    S,
    d,
    ...buffers,
    destroy() {
      for (const buffer of Object.values(buffers)) buffer.destroy();
    },
  };
}
