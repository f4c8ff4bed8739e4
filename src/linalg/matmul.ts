import type { GpuContext } from '../gpu/context';
import { f32 } from '../gpu/params';
import { requireFinite, requireInteger, requireMatrix } from './checks';
import { elementRange } from './element-range';

export type MatmulLayout = 'nn' | 'tn' | 'nt';

const LAYOUTS: readonly MatmulLayout[] = ['nn', 'tn', 'nt'];
const DTYPES = ['f32', 'f16'] as const;

export interface MatmulArgs {
  a: GPUBuffer;
  b: GPUBuffer;
  c: GPUBuffer;
  /** C is [m, n] row-major. */
  m: number;
  n: number;
  k: number;
  /** 'nn': A [m,k]·B [k,n]; 'tn': A stored [k,m] (Aᵀ·B); 'nt': B stored [n,k] (A·Bᵀ). Default 'nn'. */
  layout?: MatmulLayout;
  /** C = alpha·op(A)·op(B) + (accumulate ? C : 0). */
  alpha?: number;
  accumulate?: boolean;
  /** Element offsets into a, b, c (for chunks/row blocks of bigger buffers). Default 0. */
  aOffset?: number;
  bOffset?: number;
  cOffset?: number;
  /** Elements between consecutive stored rows of A, B, C (row blocks of wider matrices). Default: the stored row length. */
  aStride?: number;
  bStride?: number;
  cStride?: number;
  /** Storage type of A and B; 'f16' only where ctx.hasF16 (throw a clear error otherwise). C is f32. */
  dtype?: 'f32' | 'f16';
}

/**
 * Workgroup shape and K slice of shaders/matmul.wgsl: 16 × 16 threads, each
 * computing 4 × 4 outputs, make a 64 × 64 tile of C per workgroup.
 */
export const MATMUL_TILE = { WG_X: 16, WG_Y: 16, TILE_K: 32 } as const;

/** C = alpha·op(A)·op(B) (+ C). Recorded into ctx's encoder; runs at the next submit. */
export function matmul(ctx: GpuContext, args: MatmulArgs): void {
  const { m, n, k, layout = 'nn', alpha = 1, accumulate = false, dtype = 'f32' } = args;
  // Validate.
  requireInteger('matmul m', m, 0);
  requireInteger('matmul n', n, 0);
  requireInteger('matmul k', k, 1);
  requireFinite('matmul alpha', alpha);
  if (!LAYOUTS.includes(layout)) throw new RangeError(`matmul layout "${layout}" is unknown. Should be one of: ${LAYOUTS.join(', ')}`);
  if (!DTYPES.includes(dtype)) throw new RangeError(`matmul dtype "${dtype}" is unknown. Should be one of: ${DTYPES.join(', ')}`);
  if (dtype === 'f16' && !ctx.hasF16) {
    throw new Error(
      `matmul dtype 'f16' needs the WebGPU feature "shader-f16", which this adapter (${ctx.summary.description || ctx.summary.vendor}) does not offer. Use dtype 'f32' (convert the inputs to f32 first).`,
    );
  }
  const transA = layout === 'tn';
  const transB = layout === 'nt';
  const inBytes = dtype === 'f16' ? 2 : 4;
  const aRows = transA ? k : m;
  const aCols = transA ? m : k;
  const bRows = transB ? n : k;
  const bCols = transB ? k : n;
  const { aOffset = 0, bOffset = 0, cOffset = 0, aStride = aCols, bStride = bCols, cStride = n } = args;
  requireMatrix('matmul A', args.a, { rows: aRows, cols: aCols, offset: aOffset, stride: aStride, bytesPerElement: inBytes });
  requireMatrix('matmul B', args.b, { rows: bRows, cols: bCols, offset: bOffset, stride: bStride, bytesPerElement: inBytes });
  requireMatrix('matmul C', args.c, { rows: m, cols: n, offset: cOffset, stride: cStride, bytesPerElement: 4 });
  if (args.c === args.a || args.c === args.b) {
    throw new Error(`matmul: c ("${args.c.label}") must be a different buffer from a and b (WebGPU cannot bind a buffer as both read and written in one dispatch)`);
  }
  if (m === 0 || n === 0) return;

  // Describe and dispatch: the pipeline depends on dtype and layout only; sizes go in Params.
  // Only the touched element ranges are bound, so blocks of huge buffers work.
  const a = elementRange(ctx, args.a, aOffset, aOffset + (aRows - 1) * aStride + aCols, inBytes);
  const b = elementRange(ctx, args.b, bOffset, bOffset + (bRows - 1) * bStride + bCols, inBytes);
  const c = elementRange(ctx, args.c, cOffset, cOffset + (m - 1) * cStride + n, 4);
  const tileM = 4 * MATMUL_TILE.WG_Y;
  const tileN = 4 * MATMUL_TILE.WG_X;
  ctx.dispatch({
    shader: dtype === 'f16' ? 'matmul@f16' : 'matmul',
    constants: { ...MATMUL_TILE, TRANS_A: transA ? 1 : 0, TRANS_B: transB ? 1 : 0 },
    bindings: [a.binding, b.binding, c.binding],
    params: [m, n, k, a.offset, b.offset, c.offset, aStride, bStride, cStride, f32(alpha), accumulate ? 1 : 0],
    workgroups: [Math.ceil(n / tileN), Math.ceil(m / tileM)],
  });
}
