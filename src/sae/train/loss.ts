import type { GpuContext } from '../../gpu/context';
import { workgroupThreads } from '../../gpu/dispatch-grid';
import { f32 } from '../../gpu/params';
import { laneKernel } from '../../gpu/shaders';
import { decodeChunks, DECODE_STAT_SLOTS } from '../forward';
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
  /** [chunks, DECODE_STAT_SLOTS, dIn]: the decoder's column sums per chunk of rows (sparseDecode's `stats`). */
  decodeStats: GPUBuffer;
  /** [dIn, 4] per-column M2, err, aux err, error sum (scratch). */
  colStats: GPUBuffer;
  /** [dIn] f32: Σ_r ∂L/∂ẑ_r, the decoder's side of grad b_dec (bias-grad.ts). */
  seedSums: GPUBuffer;
  /** [4] f32: V (batch Σ‖z − z̄‖²), L_rec, L_aux, L_l1. ∂L/∂ẑ = (2/V)·e and ∂L/∂ê = (2w/V)·(e + ê): see seedScale. */
  scalars: GPUBuffer;
  /** [slots, 4] f32: LOSS_TERMS of each step, slot = step mod slots. */
  losses: GPUBuffer;
  /** [TRAIN_STATE.words] u32 */
  trainState: GPUBuffer;
  /** [3, dIn] f32: the metrics window's column means, column M2 and squared errors. */
  window: GPUBuffer;
}

/** The loss's buffers for batches of `rows` tokens of width dIn, with `metricsEvery` loss slots. */
export function createLossBuffers(ctx: GpuContext, rows: number, dIn: number, metricsEvery: number): LossBuffers {
  return {
    decodeStats: ctx.createBuffer(decodeChunks(rows) * DECODE_STAT_SLOTS * dIn * 4, 'sae.loss.decodeStats'),
    colStats: ctx.createBuffer(dIn * 16, 'sae.loss.colStats'),
    seedSums: ctx.createBuffer(dIn * 4, 'sae.loss.seedSums'),
    scalars: ctx.createBuffer(16, 'sae.loss.scalars'),
    losses: ctx.createBuffer(metricsEvery * 16, 'sae.loss.losses'),
    trainState: ctx.createBuffer(TRAIN_STATE.words * 4, 'sae.loss.trainState'),
    window: ctx.createBuffer(3 * dIn * 4, 'sae.loss.window'),
  };
}

/**
 * How a gradient kernel turns the decoder's error matrix into the seed it
 * stands for: seed = factor · 2 / scalars[0] · matrix, with factor 1 for
 * ∂L/∂ẑ (matrix e) and auxK_weight for ∂L/∂ê (matrix e + ê). V is known only
 * once the errors are summed, so the matrices stay unscaled.
 */
export interface SeedScale {
  scalars: GPUBuffer;
  factor: number;
}

export interface LossArgs {
  /** b_dec [dIn]: the decoder's column sums are about it. */
  bDec: GPUBuffer;
  active: ActiveSet;
  rows: number;
  dIn: number;
  /** Tokens already in the metrics window. */
  windowRows: number;
  /** Step index (0-based) and its slot in `losses`. */
  step: number;
  slot: number;
  /** 0: no AuxK (the decoder wrote no 'aux' sums). */
  auxKWeight: number;
  l1Coefficient: number;
  divergenceFactor: number;
}

/** sae-loss.wgsl's threads a workgroup on a GPU (its WG): a column each in `columns`, a part of the sums each in finalize (PARTS). */
const WG = 64;

/**
 * Records the loss of one batch and the divergence check from the decoder's
 * column sums (shaders/sae-loss.wgsl: `columns`, `finalize`); see the shader for the formulas.
 */
export function recordLoss(ctx: GpuContext, buffers: LossBuffers, a: LossArgs): void {
  const chunks = decodeChunks(a.rows);
  const params = [a.rows, a.dIn, a.windowRows, a.active.capacity, chunks, a.step, a.slot, f32(a.auxKWeight), f32(a.l1Coefficient), f32(a.divergenceFactor)];
  const kernel = laneKernel('sae-loss', a.dIn);
  // On a CPU adapter, small workgroups: the columns spread over its cores, and finalize's threads wait less at its barriers.
  const wg = workgroupThreads(ctx, WG);
  ctx.dispatch({
    shader: kernel.shader,
    entryPoint: 'columns',
    bindings: [buffers.decodeStats, a.bDec, buffers.colStats, buffers.window],
    params,
    constants: { WG: wg },
    workgroups: [Math.ceil(a.dIn / (wg * kernel.lanes))],
  });
  ctx.dispatch({
    shader: 'sae-loss',
    entryPoint: 'finalize',
    bindings: [buffers.colStats, a.active.value, a.active.rowStart, buffers.scalars, buffers.losses, buffers.trainState, buffers.seedSums],
    params,
    constants: { WG: wg },
    workgroups: [1],
  });
}
