import { describe, expect, it } from 'vitest';
import { gaussianArray, seededRandom } from '../gpu/random';
import { testGpu } from '../gpu/test-gpu';
import { centerColumns, columnMeans } from './column-stats';

const EPS32 = 2 ** -23;

describe('column statistics', () => {
  // [rows, cols] inside a wider strided buffer, mean 1000 and std 1 per column.
  const rows = 301;
  const cols = 67;
  const offset = 75;
  const stride = 80;
  const data = new Float32Array(offset + rows * stride);
  const noise = gaussianArray(data.length, seededRandom(5));
  data.forEach((_, i) => (data[i] = 1000 + noise[i]));
  const want = new Float64Array(cols);
  for (let r = 0; r < rows; r++) for (let j = 0; j < cols; j++) want[j] += data[offset + r * stride + j] / rows;

  it('columnMeans of a strided block with mean ≫ std, to f32 accuracy', async () => {
    const ctx = await testGpu();
    const x = ctx.upload(data, 'x');
    const out = ctx.createBuffer(cols * 4, 'means');
    columnMeans(ctx, { x, rows, cols, offset, stride, out });
    const got = await ctx.readF32(out);
    // Rounding the result to f32 costs eps·|mean|/2; the sum of `rows` deviations (std 1) adds about √rows·eps.
    for (let j = 0; j < cols; j++) expect(Math.abs(got[j] - want[j]), `column ${j}`).toBeLessThanOrEqual(2 * EPS32 * (want[j] + Math.sqrt(rows)));
    x.destroy();
    out.destroy();
  });

  it('centerColumns writes a dense [rows, cols] of x − means', async () => {
    const ctx = await testGpu();
    const x = ctx.upload(data, 'x');
    const means = ctx.upload(Float32Array.from(want), 'means');
    const out = ctx.createBuffer(rows * cols * 4, 'centred');
    centerColumns(ctx, { x, rows, cols, offset, stride, means, out });
    const got = await ctx.readF32(out);
    const m32 = Float32Array.from(want);
    let worst = 0;
    for (let r = 0; r < rows; r++) {
      for (let j = 0; j < cols; j++) worst = Math.max(worst, Math.abs(got[r * cols + j] - Math.fround(data[offset + r * stride + j] - m32[j])));
    }
    expect(worst).toBe(0);
    expect(() => centerColumns(ctx, { x, rows, cols, offset, stride, means, out: x })).toThrow(/cannot work in place/);
    expect(() => columnMeans(ctx, { x, rows, cols: 90, stride, out })).toThrow(/columnMeans x stride = 80, but it must be an integer ≥ 90/);
    for (const b of [x, means, out]) b.destroy();
  });
});
