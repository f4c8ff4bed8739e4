import { describe, expect, it } from 'vitest';
import { seededRandom } from '../gpu/random';
import { imageMeanMax } from './image-mean-max';

/** The reduction by its definition, in float64: image n's values are f[k, r, n·P + p] for every r and p. */
function reference(f: Float32Array, m: number, images: number, P: number, R: number) {
  const mean = new Float64Array(images * m);
  const max = new Float64Array(images * m);
  for (let n = 0; n < images; n++) {
    for (let k = 0; k < m; k++) {
      const values: number[] = [];
      for (let r = 0; r < R; r++) for (let p = 0; p < P; p++) values.push(f[(k * R + r) * images * P + n * P + p]);
      mean[n * m + k] = values.reduce((a, b) => a + b, 0) / values.length;
      max[n * m + k] = Math.max(0, ...values);
    }
  }
  return { mean, max };
}

describe('imageMeanMax', () => {
  it('equals the float64 mean and maximum per image and latent, for concat (R = 1) and per-step (R = S) layouts at odd sizes', () => {
    const random = seededRandom(29);
    for (const [m, images, P, R] of [[1, 1, 1, 1], [7, 3, 5, 1], [5, 4, 9, 3], [13, 1, 11, 5]]) {
      // Sparse like TopK activations: most values 0, the rest positive.
      const f = Float32Array.from({ length: m * R * images * P }, () => (random() < 0.6 ? 0 : random() * 4));
      const got = imageMeanMax(f, m, images, P);
      const want = reference(f, m, images, P, R);
      expect(got.mean).toHaveLength(images * m);
      for (let i = 0; i < images * m; i++) {
        expect(got.mean[i]).toBeCloseTo(want.mean[i], 5);
        expect(got.max[i]).toBe(want.max[i]);
      }
    }
  });

  it('rejects an f that is not [m, R, images·P]', () => {
    expect(() => imageMeanMax(new Float32Array(10), 2, 2, 3)).toThrow(/not \[m, R, images·P\]/);
  });
});
