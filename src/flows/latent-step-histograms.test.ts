import { describe, expect, it } from 'vitest';
import type { DynamicsModel } from '../dynamics/dynamics-file';
import { seededRandom } from '../gpu/random';
import { testGpu } from '../gpu/test-gpu';
import { stepHistogramsMatch } from '../sae/latent-step-histograms-file';
import { resolveSaeConfig } from '../sae/sae-config';
import { evaluateSae } from './evaluate-sae';
import { imageLatentActivations } from '../analysis/image-latent-activations';
import { latentReport } from '../analysis/latent-report';
import { measureStepHistograms } from './latent-step-histograms';

describe('measureStepHistograms', () => {
  it("bins each image's own f_k(n, p)·‖v_k[s]‖ at every step, and each row sums to the statistics' fire count", async () => {
    const ctx = await testGpu();
    const [N, S, P, d, m] = [6, 3, 7, 5, 13];
    const random = seededRandom(Date.now() >>> 0);
    const values = Float32Array.from({ length: N * S * P * d }, () => random() * 2 - 1);
    const source = { N, S, P, d, readImages: async (n0: number, n1: number) => values.slice(n0 * S * P * d, n1 * S * P * d) };
    const A = new Float32Array((S - 1) * d * d);
    for (let s = 0; s < S - 1; s++) for (let i = 0; i < d; i++) A[(s * d + i) * d + i] = 0.6;
    const dynamics: DynamicsModel = { variant: 'diagonal', lambda: 0, S, d, A, b: new Float32Array((S - 1) * d).fill(0.1), scales: Float32Array.from({ length: S }, (_, s) => 1 + s), r2: new Float32Array(S - 1) };
    // A batch of 16 tokens: the 42 tokens take three batches, the last one padded.
    const config = resolveSaeConfig({ dIn: S * d, latents: m, activation: 'topk', k: 3, batchSize: 16 });
    const weights = {
      W_enc: Float32Array.from({ length: S * d * m }, () => random() - 0.5),
      b_enc: new Float32Array(m).fill(0.05),
      W_dec: Float32Array.from({ length: m * S * d }, () => random() - 0.5),
      b_dec: new Float32Array(S * d),
    };
    const sae = { config, weights };
    const { statistics } = await evaluateSae(ctx, source, dynamics, sae);
    const stats = await latentReport(ctx, dynamics, sae, statistics, 3);
    const result = await measureStepHistograms(ctx, source, dynamics, sae, stats, { bins: 6 });
    expect(result.tokens).toBe(N * P);
    expect(stepHistogramsMatch(result, stats)).toBe(true);

    // The reference: image by image, every latent's map f_k(n, p), H in float64, a linear scan for the bin.
    const reference = new Uint32Array(m * S * 6);
    for (let n = 0; n < N; n++) {
      const f = await imageLatentActivations(ctx, dynamics, sae, await source.readImages(n, n + 1), Array.from({ length: m }, (_, k) => k));
      for (let k = 0; k < m; k++) {
        for (let p = 0; p < P; p++) {
          const v = f[k * P + p];
          if (v <= 0) continue;
          for (let s = 0; s < S; s++) {
            const h = v * stats.temporalProfile[k * S + s];
            let bin = 0;
            for (let b = 1; b < 6; b++) if (result.edges[k * 7 + b] <= h) bin = b;
            reference[(k * S + s) * 6 + bin]++;
          }
        }
      }
    }
    expect(Array.from(result.counts)).toEqual(Array.from(reference));
    expect(result.counts.some((c) => c > 0)).toBe(true);
  });

  it('refuses a per-step SAE, whose activations already have a step', async () => {
    const ctx = await testGpu();
    const config = resolveSaeConfig({ dIn: 4, latents: 5, activation: 'topk', k: 2, batchSize: 8 });
    const source = { N: 1, S: 2, P: 1, d: 4, readImages: async () => new Float32Array(8) };
    const dynamics = { S: 2, d: 4 } as DynamicsModel;
    await expect(measureStepHistograms(ctx, source, dynamics, { config, weights: {} as never }, {} as never)).rejects.toThrow(/concat SAE \(dIn = S·d = 2·4 = 8\); this one reads 4/);
  });
});
