import type { GpuContext } from '../gpu/context';
import { requireInteger, requireMatrix } from './checks';
import { elementRange } from './element-range';

/** A row-major matrix inside a buffer: rows r at x[offset + r·stride + j] (elements). */
export interface ColumnArgs {
  x: GPUBuffer;
  rows: number;
  cols: number;
  /** Element offset of row 0. Default 0. */
  offset?: number;
  /** Elements between row starts, ≥ cols. Default cols. */
  stride?: number;
}

const WG_X = 64;
const WG_Y = 4;
const MAX_GROUPS_Y = 65535;

/** Checks x and binds just its rows; `offset` is relative to the binding. */
function bindX(ctx: GpuContext, what: string, args: ColumnArgs) {
  const { rows, cols, offset = 0, stride = cols } = args;
  requireInteger(`${what} rows`, rows, 1);
  requireInteger(`${what} cols`, cols, 1);
  requireMatrix(`${what} x`, args.x, { rows, cols, offset, stride, bytesPerElement: 4 });
  return { ...elementRange(ctx, args.x, offset, offset + (rows - 1) * stride + cols, 4), stride };
}

function requireLength(what: string, buffer: GPUBuffer, elements: number): void {
  if (buffer.size < elements * 4) {
    throw new RangeError(`${what} ("${buffer.label}") needs ${elements} f32 elements, but the buffer holds ${Math.floor(buffer.size / 4)}`);
  }
}

/**
 * out[j] = mean over rows of x[:, j].  x: [rows, cols] (strided) f32, out: [cols] f32.
 * Accurate to f32 even when a column's mean is ≫ its std (shifted by the first row).
 */
export function columnMeans(ctx: GpuContext, args: ColumnArgs & { out: GPUBuffer }): void {
  const x = bindX(ctx, 'columnMeans', args);
  requireLength('columnMeans out', args.out, args.cols);
  ctx.dispatch({
    shader: 'column-means',
    constants: { WG_X, WG_Y },
    bindings: [x.binding, args.out],
    params: [args.rows, args.cols, x.offset, x.stride],
    workgroups: [Math.ceil(args.cols / WG_X)],
  });
}

/**
 * out[r, j] = x[r, j] − means[j].  x: [rows, cols] (strided) f32, means: [cols] f32,
 * out: [rows, cols] dense f32, a different buffer from x.
 */
export function centerColumns(ctx: GpuContext, args: ColumnArgs & { means: GPUBuffer; out: GPUBuffer }): void {
  const x = bindX(ctx, 'centerColumns', args);
  requireLength('centerColumns means', args.means, args.cols);
  requireLength('centerColumns out', args.out, args.rows * args.cols);
  if (args.out === args.x) throw new Error('centerColumns cannot work in place: out must be a different buffer from x');
  ctx.dispatch({
    shader: 'column-center',
    constants: { WG_X, WG_Y },
    bindings: [x.binding, args.means, args.out],
    params: [args.rows, args.cols, x.offset, x.stride],
    workgroups: [Math.ceil(args.cols / WG_X), Math.min(Math.ceil(args.rows / WG_Y), MAX_GROUPS_Y)],
  });
}
