import { describe, expect, it } from 'vitest';
import { gaussianArray, seededRandom } from '../gpu/random';
import { recordDispatches, testGpu } from '../gpu/test-gpu';
import { CovarianceAccumulator } from './covariance';

const EPS32 = 2 ** -23;

/** Row-major [rows, d] view of a strided matrix, as float64. */
function rowsOf(data: Float32Array, rows: number, d: number, offset: number, stride: number): Float64Array[] {
  return Array.from({ length: rows }, (_, r) => Float64Array.from(data.subarray(offset + r * stride, offset + r * stride + d)));
}

/** Two-pass float64 means and covariances (1/N), the independent reference. */
function reference(xs: Float64Array[], ys: Float64Array[]) {
  const mean = (rows: Float64Array[]) => {
    const m = new Float64Array(rows[0].length);
    for (const r of rows) r.forEach((v, j) => (m[j] += v / rows.length));
    return m;
  };
  const cov = (us: Float64Array[], mu: Float64Array, vs: Float64Array[], mv: Float64Array) => {
    const p = mu.length;
    const q = mv.length;
    const c = new Float64Array(p * q);
    us.forEach((u, r) => {
      const v = vs[r];
      for (let i = 0; i < p; i++) for (let j = 0; j < q; j++) c[i * q + j] += ((u[i] - mu[i]) * (v[j] - mv[j])) / us.length;
    });
    return c;
  };
  const mx = mean(xs);
  const my = ys.length ? mean(ys) : new Float64Array(0);
  return { mx, my, sxx: cov(xs, mx, xs, mx), syx: ys.length ? cov(ys, my, xs, mx) : new Float64Array(0) };
}

/**
 * Activations-like rows: mean 10 in every column, std about 1, correlated
 * columns (a shared factor), so Σ is far from diagonal.
 */
function activations(rows: number, d: number, seed: number): Float32Array {
  const rand = seededRandom(seed);
  const noise = gaussianArray(rows * d, rand);
  const factor = gaussianArray(rows, rand);
  const out = new Float32Array(rows * d);
  for (let r = 0; r < rows; r++) for (let j = 0; j < d; j++) out[r * d + j] = 10 + 0.8 * noise[r * d + j] + 0.6 * factor[r] * Math.cos(j);
  return out;
}

/**
 * |got − want| ≤ 4·√N·eps·√(Σ_ii Σ_jj): the error of an f32 sum of N products
 * of centred values, scaled by the spread (std²), not by the mean² of the
 * data. An unshifted computation (Σxxᵀ/N − x̄x̄ᵀ) misses this by ~mean²/std².
 */
function expectCov(what: string, got: Float32Array, want: Float64Array, varRows: Float64Array, varCols: Float64Array, n: number) {
  let worst = 0;
  const q = varCols.length;
  for (let i = 0; i < varRows.length; i++) {
    for (let j = 0; j < q; j++) {
      const tol = 4 * Math.sqrt(n) * EPS32 * Math.sqrt(varRows[i] * varCols[j]);
      worst = Math.max(worst, Math.abs(got[i * q + j] - want[i * q + j]) / tol);
    }
  }
  expect(worst, `${what}: worst error / tolerance`).toBeLessThanOrEqual(1);
}

/** Means within 4·eps·(|mean| + √N·std). */
function expectMean(what: string, got: Float32Array, want: Float64Array, variance: Float64Array, n: number) {
  let worst = 0;
  want.forEach((w, j) => {
    const tol = 4 * EPS32 * (Math.abs(w) + Math.sqrt(n * variance[j]));
    worst = Math.max(worst, Math.abs(got[j] - w) / tol);
  });
  expect(worst, `${what}: worst error / tolerance`).toBeLessThanOrEqual(1);
}

const diagonal = (c: Float64Array, d: number) => Float64Array.from({ length: d }, (_, i) => c[i * d + i]);

describe('CovarianceAccumulator', () => {
  it('x with y from a strided [tokens, S, d] batch: transition x = step 0, y = step 1; uneven chunks', async () => {
    const ctx = await testGpu();
    const d = 37;
    const steps = 3;
    const chunkRows = [300, 1, 1100, 64, 251];
    const acc = new CovarianceAccumulator(ctx, d, d);
    const xs: Float64Array[] = [];
    const ys: Float64Array[] = [];
    const buffers: GPUBuffer[] = [];
    chunkRows.forEach((rows, c) => {
      // One chunk of trajectories [rows, S, d] after 70 unrelated elements (past the 256-byte binding alignment).
      const lead = 70;
      const data = new Float32Array(lead + rows * steps * d);
      data.set(activations(rows * steps, d, 100 + c), lead);
      const buffer = ctx.upload(data, `chunk${c}`);
      buffers.push(buffer);
      acc.add({ x: buffer, rows, xOffset: lead, xStride: steps * d, y: buffer, yOffset: lead + d, yStride: steps * d });
      xs.push(...rowsOf(data, rows, d, lead, steps * d));
      ys.push(...rowsOf(data, rows, d, lead + d, steps * d));
    });
    const n = xs.length;
    expect(acc.count).toBe(n);
    const result = acc.finish();
    expect(result.count).toBe(n);
    const ref = reference(xs, ys);
    const varX = diagonal(ref.sxx, d);
    const varY = Float64Array.from({ length: d }, (_, i) => ys.reduce((s, y) => s + (y[i] - ref.my[i]) ** 2, 0) / n);
    expectMean('meanX', await ctx.readF32(result.meanX), ref.mx, varX, n);
    expectMean('meanY', await ctx.readF32(result.meanY!), ref.my, varY, n);
    expectCov('sxx', await ctx.readF32(result.sxx), ref.sxx, varX, varX, n);
    expectCov('syx', await ctx.readF32(result.syx!), ref.syx, varY, varX, n);
    acc.destroy();
    for (const b of [...buffers, result.meanX, result.meanY!, result.sxx, result.syx!]) b.destroy();
  });

  it('x only, and dy ≠ dx with x and y in separate buffers, d over one tile', async () => {
    const ctx = await testGpu();
    const dx = 70;
    const dy = 67;
    const chunkRows = [129, 700, 33];
    const xOnly = new CovarianceAccumulator(ctx, dx);
    const both = new CovarianceAccumulator(ctx, dx, dy);
    const xs: Float64Array[] = [];
    const ys: Float64Array[] = [];
    const buffers: GPUBuffer[] = [];
    chunkRows.forEach((rows, c) => {
      const x = activations(rows, dx, 200 + c);
      const y = activations(rows, dy, 300 + c);
      const xb = ctx.upload(x, `x${c}`);
      const yb = ctx.upload(y, `y${c}`);
      buffers.push(xb, yb);
      xOnly.add({ x: xb, rows });
      both.add({ x: xb, rows, y: yb });
      xs.push(...rowsOf(x, rows, dx, 0, dx));
      ys.push(...rowsOf(y, rows, dy, 0, dy));
    });
    const n = xs.length;
    const ref = reference(xs, ys);
    const varX = diagonal(ref.sxx, dx);
    const varY = Float64Array.from({ length: dy }, (_, i) => ys.reduce((s, y) => s + (y[i] - ref.my[i]) ** 2, 0) / n);
    const a = xOnly.finish();
    expect(a.meanY).toBeNull();
    expect(a.syx).toBeNull();
    expectMean('x only: meanX', await ctx.readF32(a.meanX), ref.mx, varX, n);
    expectCov('x only: sxx', await ctx.readF32(a.sxx), ref.sxx, varX, varX, n);
    const b = both.finish();
    const sxxBoth = await ctx.readF32(b.sxx);
    expectCov('sxx', sxxBoth, ref.sxx, varX, varX, n);
    // Fixed split and reduction order: the same rows give bit-identical results.
    expect(Array.from(sxxBoth)).toEqual(Array.from(await ctx.readF32(a.sxx)));
    expectMean('meanY', await ctx.readF32(b.meanY!), ref.my, varY, n);
    expectCov('syx', await ctx.readF32(b.syx!), ref.syx, varY, varX, n);
    xOnly.destroy();
    both.destroy();
    for (const buf of [...buffers, a.meanX, a.sxx, b.meanX, b.sxx, b.meanY!, b.syx!]) buf.destroy();
  });

  it('vec4 loads where d, strides and offsets are multiples of 4: ragged and whole tiles, several splits', async () => {
    const ctx = await testGpu();
    const { dispatches, stop } = recordDispatches(ctx);
    // d = 68: two whole 32 × 32 tiles and a ragged one; [tokens, S = 3, d] after 72 elements; x = step 2, y = step 0.
    const d = 68;
    const steps = 3;
    const lead = 72;
    // dx = 64 (whole tiles only) with dy = 36 in separate buffers.
    const dx = 64;
    const dy = 36;
    const chunkRows = [1100, 45, 300];
    const strided = new CovarianceAccumulator(ctx, d, d);
    const separate = new CovarianceAccumulator(ctx, dx, dy);
    const sets = { xs: [] as Float64Array[], ys: [] as Float64Array[], xs2: [] as Float64Array[], ys2: [] as Float64Array[] };
    const buffers: GPUBuffer[] = [];
    chunkRows.forEach((rows, c) => {
      const data = new Float32Array(lead + rows * steps * d);
      data.set(activations(rows * steps, d, 400 + c), lead);
      const x = activations(rows, dx, 500 + c);
      const y = activations(rows, dy, 600 + c);
      const [db, xb, yb] = [ctx.upload(data, `chunk${c}`), ctx.upload(x, `x${c}`), ctx.upload(y, `y${c}`)];
      buffers.push(db, xb, yb);
      strided.add({ x: db, rows, xOffset: lead + 2 * d, xStride: steps * d, y: db, yOffset: lead, yStride: steps * d });
      separate.add({ x: xb, rows, y: yb });
      sets.xs.push(...rowsOf(data, rows, d, lead + 2 * d, steps * d));
      sets.ys.push(...rowsOf(data, rows, d, lead, steps * d));
      sets.xs2.push(...rowsOf(x, rows, dx, 0, dx));
      sets.ys2.push(...rowsOf(y, rows, dy, 0, dy));
    });
    stop();
    const grams = dispatches.filter((g) => g.shader === 'covariance-gram');
    expect(grams.length).toBe(2 * 2 * 2 * chunkRows.length);
    expect(grams.every((g) => g.constants!.VEC4 === 1)).toBe(true);
    // The first chunk is split over rows (1100 rows: 4 splits of 288).
    expect(grams[0].workgroups[2]).toBe(4);

    for (const [acc, xs, ys, nx, ny] of [[strided, sets.xs, sets.ys, d, d], [separate, sets.xs2, sets.ys2, dx, dy]] as const) {
      const n = xs.length;
      const ref = reference(xs, ys);
      const varX = diagonal(ref.sxx, nx);
      const varY = Float64Array.from({ length: ny }, (_, i) => ys.reduce((sum, y) => sum + (y[i] - ref.my[i]) ** 2, 0) / n);
      const result = acc.finish();
      expectMean(`d ${nx}: meanX`, await ctx.readF32(result.meanX), ref.mx, varX, n);
      expectMean(`d ${nx}: meanY`, await ctx.readF32(result.meanY!), ref.my, varY, n);
      expectCov(`d ${nx}: sxx`, await ctx.readF32(result.sxx), ref.sxx, varX, varX, n);
      expectCov(`d ${nx}: syx`, await ctx.readF32(result.syx!), ref.syx, varY, varX, n);
      acc.destroy();
      for (const b of [result.meanX, result.meanY!, result.sxx, result.syx!]) b.destroy();
    }
    for (const b of buffers) b.destroy();
  });

  it('rejects chunks that do not match the accumulator', async () => {
    const ctx = await testGpu();
    const x = ctx.createBuffer(4 * 40, 'x40');
    const acc = new CovarianceAccumulator(ctx, 8, 4);
    expect(() => acc.add({ x, rows: 5 })).toThrow(/needs y: the accumulator was made with dy = 4/);
    expect(() => acc.add({ x, rows: 6, y: x })).toThrow(/add x \("x40"\) needs 48 elements/);
    expect(() => acc.add({ x, rows: 2, xStride: 7, y: x })).toThrow(/x stride = 7, but it must be an integer ≥ 8/);
    expect(() => acc.finish()).toThrow(/no rows were added/);
    expect(() => new CovarianceAccumulator(ctx, 0)).toThrow(/dx = 0/);
    acc.destroy();
    x.destroy();
  });
});
