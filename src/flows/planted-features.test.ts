import { expect, test } from 'vitest';
import { DEFAULT_SYNTHETIC, syntheticTrajectories } from '../data/synthetic-trajectories';
import { fitDynamics, type TrajectoryImages } from '../dynamics/fit-dynamics';
import { testGpu } from '../gpu/test-gpu';
import { resolveSaeConfig } from '../sae/sae-config';
import { saeFeatureTrajectories } from '../analysis/sae-feature-trajectories';
import { trainSae } from './train-sae';

/**
 * The planted-feature test: trajectories from known linear dynamics (a
 * large dense state the dynamics carry forward) plus sparse features that
 * enter at one step and that no linear predictor can anticipate. A planted
 * feature's trajectory v_k appears in an SAE's input as v_k mapped by that
 * SAE's own residualization (u_k / scales for the residualized SAE, v_k /
 * scales for the plain one); each SAE is scored by how well its decoder rows
 * match the planted features there (mean best cosine). That the decoder rows
 * map back to the planted v_k through the inverse is the inverse's own test
 * (dynamics/fit-dynamics.test.ts). The residualized SAE finds the planted
 * features; the plain concatenation at the same k, m and steps finds them
 * worse, since the carried-forward state dominates its input.
 */
test('the residualized SAE recovers planted feature trajectories and beats the plain concatenation', async () => {
  const ctx = await testGpu();
  const S = 4, d = 8, features = 8;
  const spec = { ...DEFAULT_SYNTHETIC, images: 48, height: 4, width: 4, steps: S, channels: d, features, activePerToken: 1, stateScale: 3, stateRank: d, seed: 11 };
  const data = syntheticTrajectories(spec);
  const P = spec.height * spec.width;
  const source: TrajectoryImages = {
    N: spec.images, S, P, d,
    readImages: async (n0, n1) => data.activations.slice(n0 * S * P * d, n1 * S * P * d),
  };
  const recovery = async (variant: 'full' | 'none') => {
    const dynamics = await fitDynamics(ctx, source, { variant, lambda: variant === 'full' ? 1e-3 : undefined });
    const config = resolveSaeConfig({ dIn: S * d, latents: 48, activation: 'topk', k: 4, batchSize: 256, lr: 4e-3, warmupSteps: 10, seed: 3, metricsEvery: 100, deadAfterTokens: 20_000 });
    const { weights } = await trainSae(ctx, source, dynamics, { config, steps: 400 });
    // The planted features as this SAE's input holds them: residuals (innovations) or activations, over the block scales.
    const planted = variant === 'full' ? data.innovations : data.trajectories;
    const inInput = planted.map((value, i) => value / dynamics.scales[Math.floor(i / d) % S]);
    const { trajectories } = await saeFeatureTrajectories(ctx, dynamics, weights.W_dec, config.latents);
    const ones = new Float32Array(S).fill(1);
    console.log(`${variant}: x-space mean best cosine ${meanBestCosine(data.trajectories, trajectories, features, config.latents, S, d, ones).toFixed(3)}`);
    return meanBestCosine(inInput, weights.W_dec, features, config.latents, S, d, ones);
  };
  const residualized = await recovery('full');
  const plain = await recovery('none');
  console.log(`mean best cosine to the planted features in each SAE's input: residualized ${residualized.toFixed(3)}, plain ${plain.toFixed(3)}`);
  expect(residualized).toBeGreaterThanOrEqual(0.9);
  expect(residualized).toBeGreaterThan(plain + 0.05);
}, 1_800_000);

/** For each planted trajectory, the best |cosine| with any learned one after dividing step s by stepWeight[s] (float64), averaged. */
function meanBestCosine(planted: Float32Array, learned: Float32Array, nPlanted: number, nLearned: number, S: number, d: number, stepWeight: Float32Array): number {
  const unit = (a: Float32Array, i: number) => {
    const v = Float64Array.from({ length: S * d }, (_, q) => a[i * S * d + q] / stepWeight[Math.floor(q / d)]);
    const norm = Math.hypot(...v) || 1;
    return v.map((x) => x / norm);
  };
  const learnedUnits = Array.from({ length: nLearned }, (_, j) => unit(learned, j));
  let total = 0;
  for (let i = 0; i < nPlanted; i++) {
    const p = unit(planted, i);
    total += Math.max(...learnedUnits.map((l) => Math.abs(l.reduce((acc, x, t) => acc + x * p[t], 0))));
  }
  return total / nPlanted;
}
