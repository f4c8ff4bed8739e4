import { describe, expect, it } from 'vitest';
import { gaussianArray, seededRandom } from '../../gpu/random';
import { testGpu } from '../../gpu/test-gpu';
import { SaeEncoder } from '../inference';
import { resolveSaeConfig } from '../sae-config';
import { SaeTrainer } from './trainer';

/**
 * Smoke test of the whole method on data with known answers: tokens are sparse
 * sums of planted unit directions plus small noise (the toy model's latents
 * have known ground truth; this is the SAE-only version).
 */
describe('SaeTrainer on planted features', () => {
  it('recovers planted features: decoder rows match the planted directions and FVU is low', async () => {
    const ctx = await testGpu();
    const dIn = 40;
    const features = 24;
    const rows = 64;
    const cfg = resolveSaeConfig({ dIn, latents: 48, batchSize: rows, k: 3, activation: 'batchtopk', auxK: 16, deadAfterTokens: 640, lr: 0.01, warmupSteps: 20, metricsEvery: 50, seed: 1 });
    const rand = seededRandom(21);
    const directions = Array.from({ length: features }, () => {
      const v = gaussianArray(dIn, rand);
      const n = Math.hypot(...v);
      return v.map((x) => x / n);
    });
    const batch = () => {
      const z = gaussianArray(rows * dIn, rand, 0.01);
      for (let r = 0; r < rows; r++) {
        for (let a = 0; a < 3; a++) {
          const f = Math.floor(rand() * features);
          const c = 0.5 + rand();
          for (let d = 0; d < dIn; d++) z[r * dIn + d] += c * directions[f][d];
        }
      }
      return z;
    };
    const trainer = SaeTrainer.create(ctx, cfg);
    const buffer = ctx.createBuffer(rows * dIn * 4, 'batch');
    let metrics = null;
    for (let s = 0; s < 200; s++) {
      ctx.write(buffer, batch());
      metrics = (await trainer.step(buffer)) ?? metrics;
    }
    const w = await trainer.exportWeights();
    let meanBest = 0;
    for (const u of directions) {
      let best = -1;
      for (let j = 0; j < cfg.latents; j++) {
        let c = 0;
        for (let d = 0; d < dIn; d++) c += u[d] * w.W_dec[j * dIn + d];
        best = Math.max(best, c);
      }
      meanBest += best / features;
    }
    console.log(`planted features: mean best cosine ${meanBest.toFixed(4)}, FVU ${metrics!.fvu.toFixed(4)}, L0 ${metrics!.l0.toFixed(2)}, dead ${metrics!.deadFraction}, threshold ${w.threshold}`);
    expect(meanBest).toBeGreaterThanOrEqual(0.9);
    expect(metrics!.fvu).toBeLessThan(0.1);
    expect(w.threshold).toBeGreaterThan(0);

    // BatchTopK inference uses the trained threshold: about k active latents per token.
    const encoder = new SaeEncoder(ctx, trainer.model, rows);
    ctx.write(buffer, batch());
    const codes = await encoder.encode(buffer);
    const [active] = await ctx.readU32(codes.rowStart, rows, 1);
    console.log(`inference L0 with the threshold: ${(active / rows).toFixed(2)}`);
    expect(active / rows).toBeGreaterThan(cfg.k / 2);
    expect(active / rows).toBeLessThan(cfg.k * 2);
    encoder.destroy();
    trainer.destroy();
  });
});
