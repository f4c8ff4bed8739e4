import type { GpuContext } from '../../gpu/context';
import { f32 } from '../../gpu/params';
import { laneKernel } from '../../gpu/shaders';
import type { ActiveSet } from '../topk';

/** Healthy losses the median check looks back over, and the layout of the train-state words (shaders/sae-loss.wgsl). */
export const LOSS_HISTORY = 32;
export const TRAIN_STATE = {
  diverged: 0,
  divergedStep: 1,
  divergedLoss: 2,
  healthySeen: 3,
  ring: 4,
  windowActive: 4 + LOSS_HISTORY,
  words: 5 + LOSS_HISTORY,
} as const;

/** Per-step loss values, in the order `losses` slots hold them. */
export const LOSS_TERMS = ['total', 'reconstruction', 'auxK', 'l1'] as const;

export interface LossBuffers {
  /** [dIn, 4] per-column M2, err, aux err, error sum (scratch). */
  colStats: GPUBuffer;
  /** [dIn] f32: Σ_r ∂L/∂ẑ_r, the decoder's side of grad b_dec (bias-grad.ts). */
  seedSums: GPUBuffer;
  /** [4] f32: V (batch Σ‖z − z̄‖²), L_rec, L_aux, L_l1. */
  scalars: GPUBuffer;
  /** [slots, 4] f32: LOSS_TERMS of each step, slot = step mod slots. */
  losses: GPUBuffer;
  /** [TRAIN_STATE.words] u32 */
  trainState: GPUBuffer;
  /** [3, dIn] f32: the metrics window's column means, column M2 and squared errors. */
  window: GPUBuffer;
}

export interface LossArgs {
  /** [rows, dIn] inputs */
  z: GPUBuffer;
  /** [rows, dIn] ẑ; replaced by ∂L/∂ẑ */
  recon: GPUBuffer;
  /** [rows, dIn] ê (AuxK reconstruction of the residual, zero without dead latents); replaced by ∂L/∂ê */
  auxRecon: GPUBuffer;
  active: ActiveSet;
  rows: number;
  dIn: number;
  /** Tokens already in the metrics window. */
  windowRows: number;
  /** Step index (0-based) and its slot in `losses`. */
  step: number;
  slot: number;
  auxKWeight: number;
  l1Coefficient: number;
  divergenceFactor: number;
}

/**
 * Records the loss of one batch, the divergence check and the gradient seeds
 * (shaders/sae-loss.wgsl: `columns`, `finalize`, `seeds`); see the shader for the formulas.
 */
export function recordLoss(ctx: GpuContext, buffers: LossBuffers, a: LossArgs): void {
  const params = [a.rows, a.dIn, a.windowRows, a.active.capacity, a.step, a.slot, f32(a.auxKWeight), f32(a.l1Coefficient), f32(a.divergenceFactor)];
  const kernel = laneKernel('sae-loss', a.dIn);
  ctx.dispatch({ shader: kernel.shader, entryPoint: 'columns', bindings: [a.z, a.recon, a.auxRecon, buffers.colStats, buffers.window], params, workgroups: [Math.ceil(a.dIn / (64 * kernel.lanes))] });
  ctx.dispatch({
    shader: 'sae-loss',
    entryPoint: 'finalize',
    bindings: [buffers.colStats, a.active.value, a.active.rowStart, buffers.scalars, buffers.losses, buffers.trainState, buffers.seedSums],
    params,
    workgroups: [1],
  });
  // seeds: a Lane a thread, 64 threads a workgroup.
  ctx.dispatch({ shader: kernel.shader, entryPoint: 'seeds', bindings: [a.z, buffers.scalars, a.recon, a.auxRecon], params, workgroups: [Math.ceil(a.dIn / (64 * kernel.lanes)), a.rows] });
}
