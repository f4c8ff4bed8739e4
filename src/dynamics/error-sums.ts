import type { GpuContext } from '../gpu/context';

/** Workgroup shape of shaders/dynamics-error-sums.wgsl: COLS columns × LANES row lanes. */
const TILE = { COLS: 32, LANES: 8 } as const;

/** Per-column totals over every row added, in float64. */
export interface ColumnErrorTotals {
  /** Rows added. */
  count: number;
  /** [cols] Σ_r (x − x̄)², x̄ the column mean over all rows. */
  sst: Float64Array;
  /** [cols] Σ_r (x − x̂)². */
  sse: Float64Array;
}

/**
 * GPU-side running sums for FVU over a stream of batches (a ratio of sums over all tokens): per
 * column, Σ(x − k), Σ(x − k)² with a shift k taken from the first batch, and
 * Σ(x − x̂)², as Kahan sums (shaders/dynamics-error-sums.wgsl). Nothing is read
 * back until `read`.
 */
export class ErrorSums {
  private rows = 0;
  private readonly shift: GPUBuffer;
  private readonly sums: GPUBuffer;
  private readonly comp: GPUBuffer;

  constructor(
    private readonly ctx: GpuContext,
    readonly cols: number,
  ) {
    const maxCols = TILE.COLS * ctx.device.limits.maxComputeWorkgroupsPerDimension;
    if (!Number.isInteger(cols) || cols < 1 || cols > maxCols) throw new RangeError(`ErrorSums cols = ${cols}, but it must be an integer in [1, ${maxCols}]`);
    this.shift = ctx.createBuffer(cols * 4, 'errorSums.shift');
    this.sums = ctx.createBuffer(3 * cols * 4, 'errorSums.sums');
    this.comp = ctx.createBuffer(3 * cols * 4, 'errorSums.comp');
  }

  /** Rows added so far. */
  get count(): number {
    return this.rows;
  }

  /** Adds a batch: x, xHat [rows, cols] row-major f32. */
  add(x: GPUBuffer, xHat: GPUBuffer, rows: number): void {
    if (!Number.isInteger(rows) || rows < 0) throw new RangeError(`ErrorSums.add rows = ${rows}, but it must be an integer ≥ 0`);
    const needed = rows * this.cols * 4;
    for (const [name, buffer] of [['x', x], ['xHat', xHat]] as const) {
      if (buffer.size < needed) throw new RangeError(`ErrorSums.add ${name} ("${buffer.label}") holds ${buffer.size} bytes; [${rows}, ${this.cols}] f32 needs ${needed}`);
    }
    if (rows === 0) return;
    this.ctx.dispatch({
      shader: 'dynamics-error-sums',
      constants: TILE,
      bindings: [x, xHat, this.shift, this.sums, this.comp],
      params: [rows, this.cols, this.rows === 0 ? 1 : 0],
      workgroups: [Math.ceil(this.cols / TILE.COLS)],
    });
    this.rows += rows;
  }

  /** Reads the totals back (waits for the GPU). */
  async read(): Promise<ColumnErrorTotals> {
    const { cols, rows } = this;
    const sums = await this.ctx.readF32(this.sums);
    const comp = await this.ctx.readF32(this.comp);
    const total = (i: number) => sums[i] - comp[i];
    const sst = new Float64Array(cols);
    const sse = new Float64Array(cols);
    for (let c = 0; c < cols && rows > 0; c++) {
      const shifted = total(c);
      // Rounding can leave a tiny negative for a constant column.
      sst[c] = Math.max(0, total(cols + c) - (shifted * shifted) / rows);
      sse[c] = total(2 * cols + c);
    }
    return { count: rows, sst, sse };
  }

  destroy(): void {
    for (const buffer of [this.shift, this.sums, this.comp]) buffer.destroy();
  }
}
