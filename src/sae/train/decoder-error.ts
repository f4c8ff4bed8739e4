import type { GpuContext } from '../../gpu/context';
import { workgroupGrid } from '../../gpu/dispatch-grid';
import { laneKernel } from '../../gpu/shaders';
import { decodeChunks, decodeGrid, decodeParams, DECODE_STAT_SLOTS, requireFloats, sparseDecode } from '../forward';
import type { LatentBlocks } from '../latent-blocks';
import type { ActiveSet, Selection } from '../topk';
import { decoderDots } from './decoder-dots';

/**
 * How the training decoder lays out its threads:
 * - 'lanes' (a GPU's): threads along each row's d_in (sae-decode.wgsl, with
 *   the loss's column sums), then a thread per entry for the dots
 *   (sae-decoder-dots.wgsl): neighbouring threads read neighbouring floats;
 * - 'rows' (a CPU's): a thread per row (sae-decode.wgsl's `rows`) decodes the
 *   row and takes its entries' dots with the same decoder loads, in one sweep
 *   over d_in for a row of at most `short` (1 to 4) or 8 entries, then
 *   `column_stats` sums the columns. A CPU adapter pays for every load and
 *   gains nothing from neighbouring ones. `sorted` first sorts each
 *   workgroup's rows by their kind of sweep, for rows of different lengths.
 */
export type DecoderLayout = { kind: 'lanes' } | { kind: 'rows'; short: number; sorted: boolean };

/**
 * The rows on an adapter that runs on the CPU (the fallback adapter:
 * SwiftShader, lavapipe) when W_dec is one binding: for TopK with k ≤ 8
 * unsorted (every row one sweep of the same kind), the short sweep k wide
 * up to 4; for BatchTopK sorted (rows of any length: a CPU runs
 * neighbouring threads in lockstep, so one long row would stall short
 * neighbours). Else the lanes.
 */
export function decoderLayout(ctx: GpuContext, blocks: LatentBlocks, selection: Selection): DecoderLayout {
  if (!ctx.summary.isFallbackAdapter || blocks.blocks.length !== 1) return { kind: 'lanes' };
  if (selection.kind === 'topk') return selection.k <= 8 ? { kind: 'rows', short: Math.min(selection.k, 4), sorted: false } : { kind: 'lanes' };
  return selection.kind === 'batchtopk' ? { kind: 'rows', short: 4, sorted: true } : { kind: 'lanes' };
}

/** Threads (rows) per workgroup of sae-decode.wgsl's `rows`: its WG. */
const ROWS_WG = 64;

export interface DecoderErrorArgs {
  layout: DecoderLayout;
  decoder: readonly GPUBuffer[];
  blocks: LatentBlocks;
  dIn: number;
  active: ActiveSet;
  /** b_dec for the error e = ẑ − z (rows −z); null for AuxK's e + ê (rows +e). */
  bias: GPUBuffer | null;
  rows: { x: GPUBuffer; sign: 1 | -1 };
  /** The loss's column sums per chunk of rows (sparseDecode's `stats`): 'error' with the bias, 'aux' without. */
  stats: { buffer: GPUBuffer; of: 'error' | 'aux' };
  /** [rows, dIn] f32: the error matrix. */
  out: GPUBuffer;
  /** [capacity] f32: each entry's decoder dot W_dec[latent p] · out[row p] (decoder-dots.ts). */
  dots: GPUBuffer;
}

/**
 * A training error matrix (e = ẑ − z, or AuxK's e + ê), the loss's column
 * sums of it, and the decoder dots of its active entries, in `layout`.
 */
export function decoderError(ctx: GpuContext, args: DecoderErrorArgs): void {
  const { layout, decoder, blocks, dIn, active, bias, rows, stats, out, dots } = args;
  requireFloats('decoderError dots', dots, active.capacity);
  if ((stats.of === 'error') !== (bias !== null && rows.sign === -1)) throw new Error("decoderError: the 'error' sums need the bias b_dec and the rows −z; 'aux' neither");
  if (layout.kind === 'lanes') {
    sparseDecode(ctx, { decoder, blocks, dIn, active, bias, rows, stats, out });
    decoderDots(ctx, { decoder, blocks, dIn, active, vecs: out, out: dots });
    return;
  }
  if (blocks.blocks.length !== 1) throw new Error(`decoderError: the 'rows' layout needs W_dec in one binding, but it has ${blocks.blocks.length} blocks`);
  if (!Number.isInteger(layout.short) || layout.short < 1 || layout.short > 4) throw new RangeError(`decoderError: the rows' short sweep is ${layout.short} entries wide, but it must be 1 to 4`);
  requireFloats('decoderError out', out, active.rows * dIn);
  requireFloats('decoderError rows', rows.x, active.rows * dIn);
  requireFloats('decoderError stats', stats.buffer, decodeChunks(active.rows) * DECODE_STAT_SLOTS * dIn);
  const [x, y] = workgroupGrid(ctx, Math.ceil(active.rows / ROWS_WG));
  const shader = laneKernel('sae-decode', dIn).shader;
  const params = (sums: 0 | 1 | 2) =>
    decodeParams({ active, dIn, block: { start: 0, count: blocks.latents }, first: true, bias: bias !== null, rowSign: rows.sign, stats: sums, rowThreads: x * ROWS_WG, byLength: layout.sorted });
  ctx.dispatch({
    shader,
    entryPoint: 'rows',
    constants: { SHORT: layout.short },
    // AuxK has no bias: x (already bound read-only) stands in for the binding it does not read.
    bindings: [decoder[0], bias ?? rows.x, rows.x, active.rowStart, active.latent, active.value, out, dots],
    params: params(0),
    workgroups: [x, y],
  });
  ctx.dispatch({
    shader,
    entryPoint: 'column_stats',
    bindings: [bias ?? rows.x, rows.x, out, stats.buffer],
    params: params(stats.of === 'error' ? 1 : 2),
    workgroups: decodeGrid(dIn, active.rows),
  });
}
