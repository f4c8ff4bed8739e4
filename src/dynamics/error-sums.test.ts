import { describe, expect, it } from 'vitest';
import { gaussianArray, seededRandom } from '../gpu/random';
import { testGpu } from '../gpu/test-gpu';
import { ErrorSums } from './error-sums';

describe('ErrorSums', () => {
  it('streams uneven batches to the float64 per-column totals, with means ≫ spread', async () => {
    const ctx = await testGpu();
    const [rows, cols] = [301, 37];
    const rand = seededRandom(5);
    // Column c has mean 50·c and std about 1: a naive Σx² − (Σx)²/N in f32 would lose it.
    const x = gaussianArray(rows * cols, rand, 1).map((v, i) => v + 50 * (i % cols));
    const xHat = x.map((v) => v + 0.1 * (rand() - 0.5));
    const sums = new ErrorSums(ctx, cols);
    const xb = ctx.upload(x, 'x');
    const hb = ctx.upload(xHat, 'xHat');
    const parts: GPUBuffer[] = [];
    let r0 = 0;
    for (const n of [1, 200, 0, 37, 63]) {
      const part = (a: Float32Array) => ctx.upload(a.subarray(r0 * cols, (r0 + n) * cols), 'part');
      const [px, ph] = n > 0 ? [part(x), part(xHat)] : [xb, hb];
      parts.push(px, ph);
      sums.add(px, ph, n);
      r0 += n;
    }
    expect(r0).toBe(rows);
    const got = await sums.read();
    sums.destroy();
    parts.forEach((b) => b.destroy());

    expect(got.count).toBe(rows);
    for (let c = 0; c < cols; c++) {
      let mean = 0;
      for (let r = 0; r < rows; r++) mean += x[r * cols + c] / rows;
      let sst = 0;
      let sse = 0;
      for (let r = 0; r < rows; r++) {
        sst += (x[r * cols + c] - mean) ** 2;
        sse += (x[r * cols + c] - xHat[r * cols + c]) ** 2;
      }
      expect(Math.abs(got.sst[c] - sst) / sst).toBeLessThan(1e-4);
      expect(Math.abs(got.sse[c] - sse) / sse).toBeLessThan(1e-4);
    }
  });
});
