import { describe, expect, it } from 'vitest';
import { seededRandom } from '../gpu/random';
import { activationNorms, runActivationNorms } from './activation-norms';

describe('activation norms', () => {
  it('n_s is the mean over every image and position of ‖x_s‖ (float64 reference), streamed or of one run', async () => {
    const [N, S, P, d] = [9, 3, 7, 5];
    const random = seededRandom(4);
    const values = Float32Array.from({ length: N * S * P * d }, () => (random() * 2 - 1) * 3);
    const source = { N, S, P, d, readImages: async (n0: number, n1: number) => values.slice(n0 * S * P * d, n1 * S * P * d) };
    const want = Array.from({ length: S }, (_, s) => {
      let sum = 0;
      for (let n = 0; n < N; n++) for (let p = 0; p < P; p++) sum += Math.hypot(...values.subarray(((n * S + s) * P + p) * d, ((n * S + s) * P + p + 1) * d));
      return sum / (N * P);
    });
    const got = await activationNorms(source);
    expect(got.tokens).toBe(N * P);
    got.meanNorm.forEach((v, s) => expect(v).toBeCloseTo(want[s], 10));
    // One run's trajectory [S, P, d] is one image of the set.
    const one = runActivationNorms(values.slice(0, S * P * d), S, P, d);
    expect(one.tokens).toBe(P);
    one.meanNorm.forEach((v, s) => expect(v).toBeCloseTo((Array.from({ length: P }, (_, p) => Math.hypot(...values.subarray((s * P + p) * d, (s * P + p + 1) * d))).reduce((a, b) => a + b, 0)) / P, 10));
  });
});
