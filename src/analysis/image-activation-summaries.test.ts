import { describe, expect, it } from 'vitest';
import type { DynamicsModel } from '../dynamics/dynamics-file';
import { seededRandom } from '../gpu/random';
import { testGpu } from '../gpu/test-gpu';
import { resolveSaeConfig } from '../sae/sae-config';
import { asOneImage, imageActivationSummaries } from './image-activation-summaries';
import { imageLatentActivations } from './image-latent-activations';

describe('asOneImage', () => {
  it('lays n images [n, S, P, d] out as one image [S, n·P, d]', () => {
    const [n, S, P, d] = [2, 3, 2, 2];
    const images = Float32Array.from({ length: n * S * P * d }, (_, i) => i);
    const out = asOneImage(images, n, S, P, d);
    for (let i = 0; i < n; i++)
      for (let s = 0; s < S; s++)
        for (let p = 0; p < P; p++)
          for (let c = 0; c < d; c++) expect(out[((s * n * P) + i * P + p) * d + c]).toBe(images[((i * S + s) * P + p) * d + c]);
  });
});

describe('imageActivationSummaries', () => {
  it("equals each image's own f_k(n, p), averaged and maximised over positions", async () => {
    const ctx = await testGpu();
    const [N, S, P, d, m] = [7, 3, 5, 6, 11];
    const random = seededRandom(Date.now() >>> 0);
    const values = Float32Array.from({ length: N * S * P * d }, () => random() * 2 - 1);
    const source = { N, S, P, d, readImages: async (n0: number, n1: number) => values.slice(n0 * S * P * d, n1 * S * P * d) };
    const A = new Float32Array((S - 1) * d * d);
    for (let s = 0; s < S - 1; s++) for (let i = 0; i < d; i++) A[(s * d + i) * d + i] = 0.5;
    const dynamics: DynamicsModel = { variant: 'diagonal', lambda: 0, S, d, A, b: new Float32Array((S - 1) * d).fill(0.1), scales: new Float32Array(S).fill(1), r2: new Float32Array(S - 1) };
    const config = resolveSaeConfig({ dIn: S * d, latents: m, activation: 'topk', k: 3, batchSize: 8 });
    const W_dec = Float32Array.from({ length: m * S * d }, () => random() - 0.5);
    const weights = { W_enc: Float32Array.from({ length: S * d * m }, () => random() - 0.5), b_enc: new Float32Array(m).fill(0.05), W_dec, b_dec: new Float32Array(S * d) };
    const { mean, max } = await imageActivationSummaries(ctx, source, dynamics, { config, weights });
    for (let n = 0; n < N; n++) {
      const f = await imageLatentActivations(ctx, dynamics, { config, weights }, await source.readImages(n, n + 1), Array.from({ length: m }, (_, k) => k));
      for (let k = 0; k < m; k++) {
        const row = Array.from(f.subarray(k * P, (k + 1) * P));
        expect(mean[n * m + k]).toBeCloseTo(row.reduce((a, b) => a + b, 0) / P, 5);
        expect(max[n * m + k]).toBe(Math.max(...row));
      }
    }
    expect(max.some((v) => v > 0)).toBe(true);
  });
});
