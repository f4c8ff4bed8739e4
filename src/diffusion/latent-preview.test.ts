import { describe, expect, it } from 'vitest';
import { gaussianArray, seededRandom } from '../gpu/random';
import { fitPreviewMatrix, latentPreview } from './latent-preview';

describe('latent previews', () => {
  const [C, h, w] = [4, 5, 7];
  const P = h * w;
  const random = seededRandom(31);
  const planted = [0, 1, 2].map(() => Array.from(gaussianArray(C + 1, random), (v) => v * 0.3));

  it('fits a planted latent → RGB map exactly from noiseless pairs (R² = 1)', () => {
    const latents = [0, 1, 2].map(() => gaussianArray(C * P, random));
    const pooled = latents.map((z) => {
      const out = new Float32Array(3 * P);
      for (let c = 0; c < 3; c++) for (let p = 0; p < P; p++) {
        let v = planted[c][C];
        for (let k = 0; k < C; k++) v += planted[c][k] * z[k * P + p];
        out[c * P + p] = v;
      }
      return out;
    });
    const { matrix, r2 } = fitPreviewMatrix(latents, pooled, C);
    matrix.forEach((row, c) => row.forEach((v, k) => expect(v).toBeCloseTo(planted[c][k], 4)));
    r2.forEach((v) => expect(v).toBeGreaterThan(0.9999));
  });

  it('maps each latent pixel through the matrix to bytes, clamped', () => {
    const z = gaussianArray(C * P, random);
    const image = latentPreview(planted, z, C, h, w);
    expect([image.width, image.height]).toEqual([w, h]);
    for (const p of [0, 11, P - 1]) {
      for (let c = 0; c < 3; c++) {
        let v = planted[c][C];
        for (let k = 0; k < C; k++) v += planted[c][k] * z[k * P + p];
        expect(image.data[p * 4 + c]).toBe(Math.min(255, Math.max(0, Math.round(((v + 1) / 2) * 255))));
      }
      expect(image.data[p * 4 + 3]).toBe(255);
    }
  });
});
