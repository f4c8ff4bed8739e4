import type { GpuContext } from '../gpu/context';
import { f32 } from '../gpu/params';
import { requireInteger, requireMatrix } from './checks';
import { columnMeans } from './column-stats';
import { elementRange, unusedView, vec4Readable } from './element-range';
import { matmulGrid, matmulShape, type MatmulShape } from './matmul';

/** One chunk of rows for CovarianceAccumulator.add. */
export interface CovarianceChunk {
  /** Rows r of X are at x[xOffset + r·xStride + j] (elements), stride ≥ dx. */
  x: GPUBuffer;
  rows: number;
  xOffset?: number;
  xStride?: number;
  /** Required exactly when the accumulator was made with dy. */
  y?: GPUBuffer;
  yOffset?: number;
  yStride?: number;
}

/** Final statistics; the caller owns these buffers (destroy them when done). */
export interface CovarianceResult {
  /** [dx] f32 */
  meanX: GPUBuffer;
  /** [dy] f32, or null without y. */
  meanY: GPUBuffer | null;
  /** Σ_xx: [dx, dx] row-major f32, symmetric. */
  sxx: GPUBuffer;
  /** Σ_yx: [dy, dx] row-major f32, or null without y. */
  syx: GPUBuffer | null;
  count: number;
}

/** Rows staged per slice by covariance-gram.wgsl (≥ WG_X, WG_Y: its sums reuse the tiles). */
const GRAM_TILE_K = 32;
/** Split-K aims for about this many workgroups per Gram product… */
const TARGET_WORKGROUPS = 256;
/** …with no split shorter than this many rows (below it, the reduce costs more than it saves). */
const MIN_ROWS_PER_SPLIT = 256;

/** One Gram product ũ ṽᵀ, u = y or x, v = x, with its running total. */
interface Product {
  rowsDim: number;
  symmetric: boolean;
  /** Workgroup shape of its Gram kernel (the same tiles as matmul's for that output size). */
  shape: MatmulShape;
  partial: GPUBuffer;
  total: GPUBuffer;
  comp: GPUBuffer;
}

/**
 * Streams rows (x_r ∈ R^dx, y_r ∈ R^dy) and produces means and covariances
 * Σ_xx = (1/N) Σ (x−x̄)(x−x̄)ᵀ  [dx,dx],  Σ_yx = (1/N) Σ (y−ȳ)(x−x̄)ᵀ  [dy,dx]
 * (for the dynamics' ridge regressions x_s ≈ A x_{s−1} + b).
 *
 * Each chunk's rows are split across workgroups (split-K) so a small d × d
 * output still fills the GPU; the splits are added in a fixed order, and the
 * running totals are Kahan sums, so results are deterministic. Rows are
 * shifted by the first chunk's column means before multiplying, so data whose
 * mean is ≫ its std keeps f32 accuracy (see covariance-gram.wgsl).
 */
export class CovarianceAccumulator {
  private n = 0;
  private readonly shiftX: GPUBuffer;
  private readonly shiftY: GPUBuffer | null;
  private readonly xx: Product;
  private readonly yx: Product | null;
  private readonly maxSplits: number;

  constructor(
    private readonly ctx: GpuContext,
    readonly dx: number,
    readonly dy?: number,
  ) {
    requireInteger('CovarianceAccumulator dx', dx, 1);
    if (dy !== undefined) requireInteger('CovarianceAccumulator dy', dy, 1);
    const tilesX = Math.ceil(dx / (4 * matmulShape(dx, dx).WG_X));
    const symmetricTiles = (tilesX * (tilesX + 1)) / 2;
    this.maxSplits = Math.max(1, Math.ceil(TARGET_WORKGROUPS / symmetricTiles));
    this.shiftX = ctx.createBuffer(dx * 4, 'covariance.shiftX');
    this.shiftY = dy === undefined ? null : ctx.createBuffer(dy * 4, 'covariance.shiftY');
    this.xx = this.product(dx, true);
    this.yx = dy === undefined ? null : this.product(dy, false);
  }

  /** Rows added so far. */
  get count(): number {
    return this.n;
  }

  /** Records the chunk's Gram products; the buffers must stay unchanged until the next submit. */
  add(chunk: CovarianceChunk): void {
    const { dx, dy } = this;
    const { rows, xOffset = 0, xStride = dx, yOffset = 0, yStride = dy ?? 0 } = chunk;
    requireInteger('CovarianceAccumulator.add rows', rows, 1);
    requireMatrix('CovarianceAccumulator.add x', chunk.x, { rows, cols: dx, offset: xOffset, stride: xStride, bytesPerElement: 4 });
    if (dy === undefined) {
      if (chunk.y) throw new Error('CovarianceAccumulator.add was given y, but the accumulator was made without dy (x only)');
    } else {
      if (!chunk.y) throw new Error(`CovarianceAccumulator.add needs y: the accumulator was made with dy = ${dy}`);
      requireMatrix('CovarianceAccumulator.add y', chunk.y, { rows, cols: dy, offset: yOffset, stride: yStride, bytesPerElement: 4 });
    }

    if (this.n === 0) {
      columnMeans(this.ctx, { x: chunk.x, rows, cols: dx, offset: xOffset, stride: xStride, out: this.shiftX });
      if (chunk.y && this.shiftY) columnMeans(this.ctx, { x: chunk.y, rows, cols: dy!, offset: yOffset, stride: yStride, out: this.shiftY });
    }
    this.n += rows;

    const x = { buffer: chunk.x, offset: xOffset, stride: xStride, shift: this.shiftX, dim: dx };
    this.accumulate(this.xx, rows, x, x);
    if (this.yx && chunk.y && this.shiftY) {
      this.accumulate(this.yx, rows, { buffer: chunk.y, offset: yOffset, stride: yStride, shift: this.shiftY, dim: dy! }, x);
    }
  }

  /** Means and covariances of all rows added so far, in new buffers the caller owns. */
  finish(): CovarianceResult {
    if (this.n === 0) throw new Error('CovarianceAccumulator.finish: no rows were added');
    const { ctx, dx, dy } = this;
    const meanX = ctx.createBuffer(dx * 4, 'covariance.meanX');
    const sxx = ctx.createBuffer(dx * dx * 4, 'covariance.sxx');
    this.finishProduct(this.xx, this.shiftX, meanX, sxx);
    let meanY: GPUBuffer | null = null;
    let syx: GPUBuffer | null = null;
    if (this.yx && this.shiftY && dy !== undefined) {
      meanY = ctx.createBuffer(dy * 4, 'covariance.meanY');
      syx = ctx.createBuffer(dy * dx * 4, 'covariance.syx');
      this.finishProduct(this.yx, this.shiftY, meanY, syx);
    }
    return { meanX, meanY, sxx, syx, count: this.n };
  }

  /** Releases the accumulator's own buffers (not those returned by finish). */
  destroy(): void {
    for (const p of [this.xx, this.yx]) {
      if (!p) continue;
      p.partial.destroy();
      p.total.destroy();
      p.comp.destroy();
    }
    this.shiftX.destroy();
    this.shiftY?.destroy();
  }

  private product(rowsDim: number, symmetric: boolean): Product {
    const count = (rowsDim + 1) * (this.dx + 1);
    const name = symmetric ? 'covariance.xx' : 'covariance.yx';
    return {
      rowsDim,
      symmetric,
      shape: matmulShape(rowsDim, this.dx),
      partial: this.ctx.createBuffer(this.maxSplits * count * 4, `${name}.partial`),
      total: this.ctx.createBuffer(count * 4, `${name}.total`),
      comp: this.ctx.createBuffer(count * 4, `${name}.comp`),
    };
  }

  /** total += Σ over the chunk's rows of ũ ṽᵀ, split over rows then reduced. */
  private accumulate(
    p: Product,
    rows: number,
    u: { buffer: GPUBuffer; offset: number; stride: number; shift: GPUBuffer; dim: number },
    v: { buffer: GPUBuffer; offset: number; stride: number; shift: GPUBuffer; dim: number },
  ): void {
    const splits = Math.max(1, Math.min(this.maxSplits, Math.floor(rows / MIN_ROWS_PER_SPLIT)));
    const rowsPerSplit = Math.ceil(rows / splits / GRAM_TILE_K) * GRAM_TILE_K;
    const usedSplits = Math.ceil(rows / rowsPerSplit);
    const vr = elementRange(this.ctx, v.buffer, v.offset, v.offset + (rows - 1) * v.stride + v.dim, 4);
    const ur = elementRange(this.ctx, u.buffer, u.offset, u.offset + (rows - 1) * u.stride + u.dim, 4);
    // vec4 loads when every row of both operands starts and ends on a 4-element boundary.
    const vec4 = vec4Readable(v.dim, v.stride, vr.offset) && vec4Readable(u.dim, u.stride, ur.offset);
    const unused = unusedView(this.ctx);
    const bindings = [vec4 ? unused : vr.binding, vec4 ? vr.binding : unused, vec4 ? unused : ur.binding, vec4 ? ur.binding : unused, v.shift, u.shift, p.partial];
    const params = [rows, v.dim, u.dim, vr.offset, v.stride, ur.offset, u.stride, rowsPerSplit];
    // The tiles wholly inside the output (rows checked against the split's end only), then the
    // edge tiles (columns checked too), as matmul; the grid's third dimension is the split.
    const { interior, edge } = matmulGrid(u.dim, v.dim, p.shape);
    const grids: [boolean, [number, number, number]][] = [
      [false, [interior[0], interior[1], usedSplits]],
      [true, [edge[0], 1, usedSplits]],
    ];
    for (const [isEdge, workgroups] of grids) {
      this.ctx.dispatch({
        shader: 'covariance-gram',
        constants: { ...p.shape, TILE_K: GRAM_TILE_K, SYMMETRIC: p.symmetric ? 1 : 0, VEC4: vec4 ? 1 : 0, EDGE: isEdge ? 1 : 0 },
        bindings,
        params,
        workgroups,
      });
    }
    const count = (u.dim + 1) * (v.dim + 1);
    this.ctx.dispatch({
      shader: 'covariance-reduce',
      constants: { WG: 256 },
      bindings: [p.partial, p.total, p.comp],
      params: [count, usedSplits],
      workgroups: [Math.ceil(count / 256)],
    });
  }

  private finishProduct(p: Product, shift: GPUBuffer, mean: GPUBuffer, cov: GPUBuffer): void {
    this.ctx.dispatch({
      shader: 'covariance-finish',
      constants: { WG_X: 16, WG_Y: 16, SYMMETRIC: p.symmetric ? 1 : 0 },
      bindings: [p.total, shift, mean, cov],
      params: [p.rowsDim, this.dx, f32(1 / this.n)],
      workgroups: [Math.ceil(this.dx / 16), Math.ceil(p.rowsDim / 16)],
    });
  }
}
