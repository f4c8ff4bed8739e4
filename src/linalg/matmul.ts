import type { GpuContext } from '../gpu/context';
import { f32 } from '../gpu/params';
import { requireFinite, requireInteger, requireMatrix } from './checks';
import { elementRange, unusedView, vec4Readable } from './element-range';

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
  /** [k] f32: op(A)[row, col] − aShift[col] takes op(A)'s place (the SAE encoder's z − b_dec, with no centred copy of z). */
  aShift?: GPUBuffer;
}

/** Rows of A and B staged per K slice of shaders/matmul.wgsl (a multiple of 4: the kernel stages 4 × 4 blocks). */
export const MATMUL_TILE_K = 32;

/** Threads per workgroup of shaders/matmul.wgsl, each computing 4 × 4 outputs of C: a (4·WG_Y) × (4·WG_X) tile. */
export interface MatmulShape {
  WG_X: number;
  WG_Y: number;
}

/** 64 × 64 tiles: 2 shared loads per 16 FMAs and 256 threads, for outputs with enough tiles to fill a GPU. */
const LARGE: MatmulShape = { WG_X: 16, WG_Y: 16 };
/** 32 × 32 tiles (TF.js's default): 4× the workgroups and a quarter of the padding on small or ragged outputs. */
const SMALL: MatmulShape = { WG_X: 8, WG_Y: 8 };
/** Below this many 64 × 64 tiles, the output is cut into 32 × 32 tiles instead. */
const MIN_LARGE_TILES = 64;

/**
 * The workgroup shape for an [m, n] output: 64 × 64 tiles when there are
 * enough of them, else 32 × 32 (more workgroups, less work on padding).
 */
export function matmulShape(m: number, n: number): MatmulShape {
  const large = Math.ceil(m / 64) * Math.ceil(n / 64);
  return large >= MIN_LARGE_TILES ? LARGE : SMALL;
}

/** The pipeline key of one matmul configuration: shader and override constants (what `prewarm` compiles ahead). */
export function matmulPipeline(o: { layout?: MatmulLayout; dtype?: 'f32' | 'f16'; vec4A: boolean; vec4B: boolean; shape: MatmulShape; edge: boolean; shiftA?: boolean }): {
  shader: string;
  constants: Record<string, number>;
} {
  const { layout = 'nn', dtype = 'f32' } = o;
  return {
    shader: dtype === 'f16' ? 'matmul@f16' : 'matmul',
    constants: {
      ...o.shape,
      TILE_K: MATMUL_TILE_K,
      TRANS_A: layout === 'tn' ? 1 : 0,
      TRANS_B: layout === 'nt' ? 1 : 0,
      VEC4_A: o.vec4A ? 1 : 0,
      VEC4_B: o.vec4B ? 1 : 0,
      EDGE: o.edge ? 1 : 0,
      SHIFT_A: o.shiftA ? 1 : 0,
    },
  };
}

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
  if (args.aShift && args.aShift.size < k * 4) throw new RangeError(`matmul aShift ("${args.aShift.label}") holds ${args.aShift.size / 4} f32, but k = ${k} are needed`);
  if (args.c === args.a || args.c === args.b || args.c === args.aShift) {
    throw new Error(`matmul: c ("${args.c.label}") must be a different buffer from a, b and aShift (WebGPU cannot bind a buffer as both read and written in one dispatch)`);
  }
  if (m === 0 || n === 0) return;

  // Describe and dispatch: the pipeline depends on dtype, layout, tile shape and
  // whether each operand can be read as vec4s; sizes go in Params. Only the
  // touched element ranges are bound, so blocks of huge buffers work; the
  // bound ranges start on 256-byte boundaries, so an offset keeps its
  // remainder mod 4.
  const a = elementRange(ctx, args.a, aOffset, aOffset + (aRows - 1) * aStride + aCols, inBytes);
  const b = elementRange(ctx, args.b, bOffset, bOffset + (bRows - 1) * bStride + bCols, inBytes);
  const c = elementRange(ctx, args.c, cOffset, cOffset + (m - 1) * cStride + n, 4);
  const vec4A = vec4Readable(aCols, aStride, a.offset);
  const vec4B = vec4Readable(bCols, bStride, b.offset);
  const shape = matmulShape(m, n);
  const unused = unusedView(ctx);
  // The scalar views are always bound (interior tiles read the last, partial K slice through them).
  const shift = args.aShift ?? unused;
  const bindings = [a.binding, vec4A ? a.binding : unused, b.binding, vec4B ? b.binding : unused, c.binding, shift, vec4A && !transA ? shift : unused];
  const params = [m, n, k, a.offset, b.offset, c.offset, aStride, bStride, cStride, f32(alpha), accumulate ? 1 : 0];
  // Two dispatches: the tiles wholly inside C without bounds checks, then the
  // tiles that cross its last row or column of tiles, with them.
  const { interior, edge } = matmulGrid(m, n, shape);
  for (const [isEdge, workgroups] of [[false, interior], [true, edge]] as const) {
    ctx.dispatch({ ...matmulPipeline({ layout, dtype, vec4A, vec4B, shape, edge: isEdge, shiftA: args.aShift !== undefined }), bindings, params, workgroups });
  }
}

/**
 * Workgroup grids of the two dispatches: `interior`, the ⌊m/TILE_M⌋ × ⌊n/TILE_N⌋
 * tiles wholly inside C; `edge`, the others in one row (the kernel's
 * `edge_tile` maps them: the last tile column, then the last tile row).
 * An empty grid (a dimension 0) records nothing.
 */
export function matmulGrid(m: number, n: number, shape: MatmulShape): { interior: [number, number]; edge: [number] } {
  const tileM = 4 * shape.WG_Y;
  const tileN = 4 * shape.WG_X;
  const full: [number, number] = [Math.floor(n / tileN), Math.floor(m / tileM)];
  const all = Math.ceil(n / tileN) * Math.ceil(m / tileM);
  return { interior: full, edge: [all - full[0] * full[1]] };
}
