import type { GpuContext } from '../gpu/context';
import { f32, type ParamValue } from '../gpu/params';
import { laneKernel } from '../gpu/shaders';
import { unusedView } from '../linalg/element-range';
import { matmul } from '../linalg/matmul';
import type { LatentBlocks } from './latent-blocks';
import type { SaeModel } from './sae-model';
import type { ActiveSet } from './topk';

/** Threads a workgroup of shaders/sae-encode.wgsl and sae-decode.wgsl: each covers one Lane of a row. */
const WG = 64;

/**
 * The encoder's pre-activations, one latent block at a time:
 * pre[i] [rows, count_i] = (z − b_dec) · W_encᵀ_iᵀ + b_enc[start_i ..]  (matmul 'nt' with b_dec
 * as A's shift, then sae-encode `add_bias`). z: [rows, dIn] f32.
 */
export function encoderPreActivations(ctx: GpuContext, model: SaeModel, z: GPUBuffer, pre: readonly GPUBuffer[], rows: number): void {
  const { dIn } = model.config;
  model.blocks.blocks.forEach((b, i) => {
    matmul(ctx, { a: z, aShift: model.bDec, b: model.encoder[i], c: pre[i], m: rows, n: b.count, k: dIn, layout: 'nt' });
    // Lanes of 4 need the block to start, as well as end, on a multiple of 4.
    const kernel = laneKernel('sae-encode', b.count, b.start);
    ctx.dispatch({ shader: kernel.shader, entryPoint: 'add_bias', bindings: [model.bEnc, pre[i]], params: [rows, b.count, b.start], workgroups: [Math.ceil(b.count / (kernel.lanes * WG)), rows] });
  });
}

/** Rows of a chunk that one thread of shaders/sae-decode.wgsl decodes (its y grid is rows / this). */
export const DECODE_ROWS_PER_THREAD = 16;

/** Chunks of rows in sparseDecode's column statistics ([chunks, DECODE_STAT_SLOTS, dIn] f32). */
export const decodeChunks = (rows: number): number => Math.ceil(rows / DECODE_ROWS_PER_THREAD);
export const DECODE_STAT_SLOTS = 5;

export interface SparseDecodeArgs {
  decoder: readonly GPUBuffer[];
  blocks: LatentBlocks;
  dIn: number;
  active: ActiveSet;
  /** b_dec, added to every row; null: none. */
  bias: GPUBuffer | null;
  /** Each row starts from bias + sign · x_r: −z for training's error ẑ − z, +e for AuxK's e + ê. x: [rows, dIn]. */
  rows?: { x: GPUBuffer; sign: 1 | -1 };
  /**
   * Per chunk of DECODE_ROWS_PER_THREAD rows, column sums for the loss (shaders/sae-decode.wgsl):
   * 'error' (bias b_dec, rows −z): Σ (z − b_dec), Σ (z − b_dec)², Σ e², Σ e; 'aux': Σ (e + ê)².
   */
  stats?: { buffer: GPUBuffer; of: 'error' | 'aux' };
  out: GPUBuffer;
}

/**
 * out_r = bias + sign · x_r + Σ_{active (r, j)} f_rj · W_dec[j, :] (shaders/sae-decode.wgsl),
 * reading only the active latents' decoder rows: ẑ at inference, the error ẑ − z and
 * AuxK's e + ê in training, with the loss's column sums.
 * decoder: W_dec blocks [count, dIn]; out: [rows, dIn] f32.
 */
export function sparseDecode(ctx: GpuContext, args: SparseDecodeArgs): void {
  const { decoder, blocks, dIn, active, bias, rows, stats, out } = args;
  requireFloats('sparseDecode out', out, active.rows * dIn);
  if (rows) requireFloats('sparseDecode rows', rows.x, active.rows * dIn);
  if (stats) requireFloats('sparseDecode stats', stats.buffer, decodeChunks(active.rows) * DECODE_STAT_SLOTS * dIn);
  if (stats?.of === 'error' && !(bias && rows?.sign === -1)) throw new Error("sparseDecode: the 'error' statistics need the bias b_dec and the rows −z");
  const kernel = laneKernel('sae-decode', dIn);
  const last = blocks.blocks.length - 1;
  blocks.blocks.forEach((b, i) => {
    ctx.dispatch({
      shader: kernel.shader,
      // A binding the kernel does not read takes a buffer already bound read-only (or the device's spare one, read-write).
      bindings: [decoder[i], bias ?? decoder[i], rows?.x ?? decoder[i], active.rowStart, active.latent, active.value, out, stats && i === last ? stats.buffer : unusedView(ctx)],
      params: decodeParams({
        active,
        dIn,
        block: b,
        first: i === 0,
        bias: bias !== null,
        rowSign: rows?.sign ?? 0,
        stats: stats && i === last ? (stats.of === 'error' ? 1 : 2) : 0,
      }),
      workgroups: decodeGrid(dIn, active.rows),
    });
  });
}

/**
 * shaders/sae-decode.wgsl's Params, shared by its entry points: `main` reads
 * the block, first and stats; `rows` (decoder-error.ts) reads row_threads and
 * by_length; `column_stats` reads stats.
 */
export function decodeParams(p: {
  active: ActiveSet;
  dIn: number;
  block: { start: number; count: number };
  first: boolean;
  bias: boolean;
  rowSign: -1 | 0 | 1;
  /** 0: none; 1: the error's column sums; 2: AuxK's. */
  stats: 0 | 1 | 2;
  rowThreads?: number;
  byLength?: boolean;
}): ParamValue[] {
  const { active } = p;
  return [
    active.rows,
    p.dIn,
    p.block.start,
    p.block.count,
    p.first ? 1 : 0,
    p.bias ? 1 : 0,
    f32(p.rowSign),
    active.capacity,
    DECODE_ROWS_PER_THREAD,
    p.stats,
    p.rowThreads ?? 0,
    p.byLength ? 1 : 0,
  ];
}

/** The grid of sae-decode.wgsl's `main` and `column_stats`: one thread per Lane of a row (x), one per chunk of rows (y). */
export const decodeGrid = (dIn: number, rows: number): [number, number] => [Math.ceil(dIn / (laneKernel('sae-decode', dIn).lanes * WG)), decodeChunks(rows)];

export function requireFloats(what: string, buffer: GPUBuffer, count: number): void {
  if (buffer.size < count * 4) throw new RangeError(`${what} ("${buffer.label}") holds ${buffer.size / 4} f32, but ${count} are needed`);
}
