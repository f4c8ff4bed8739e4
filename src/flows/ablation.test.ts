import { expect, test } from 'vitest';
import { DEFAULT_SYNTHETIC, syntheticTrajectories } from '../data/synthetic-trajectories';
import type { TrajectoryImages } from '../dynamics/fit-dynamics';
import { testGpu } from '../gpu/test-gpu';
import { ABLATION_ARMS } from '../sae/ablation-arms';
import { runAblation } from './ablation';

test('the four ablation arms train at equal latents and equal L0 per trajectory and are measured on held-out images', async () => {
  const ctx = await testGpu();
  const S = 3, d = 6, P = 9;
  const spec = { ...DEFAULT_SYNTHETIC, images: 10, height: 3, width: 3, steps: S, channels: d, features: 6, activePerToken: 1, seed: 2 };
  const data = syntheticTrajectories(spec);
  const source: TrajectoryImages = { N: spec.images, S, P, d, readImages: async (n0, n1) => data.activations.slice(n0 * S * P * d, n1 * S * P * d) };
  const arms: string[] = [];
  const rows = await runAblation(ctx, source, {
    sae: { latents: 24, k: 6, batchSize: 60, activation: 'topk', lr: 3e-3, warmupSteps: 2, metricsEvery: 10, deadAfterTokens: 1000 },
    steps: 20,
    heldoutFraction: 0.2,
    onArm: (arm, phase) => phase === 'train' && arms.push(arm),
  });
  expect(arms).toEqual(ABLATION_ARMS.map((a) => a.name));
  expect(rows.map((r) => [r.arm, r.kPerRow])).toEqual([['residualized-concat', 6], ['concat', 6], ['residualized-per-step', 2], ['per-step', 2]]);
  for (const row of rows) {
    // Two held-out images of nine tokens; TopK keeps exactly 6 latents per trajectory in every arm.
    expect(row.tokens).toBe(2 * P);
    expect(row.l0).toBeCloseTo(6, 6);
    expect(row.fvuXPerStep).toHaveLength(S);
    for (const v of [row.fvuX, row.fvuZ, ...row.fvuXPerStep]) expect(Number.isFinite(v) && v >= 0).toBe(true);
  }
  // The plain arms see x itself, each step scaled by a constant, so each step's FVU is the same in z and x.
  for (const plain of rows.filter((r) => r.arm === 'concat' || r.arm === 'per-step')) {
    plain.fvuXPerStep.forEach((fvu, s) => expect(plain.fvuZPerStep[s]).toBeCloseTo(fvu, 4));
  }
}, 900_000);
