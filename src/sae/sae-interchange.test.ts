import { describe, expect, test } from 'vitest';
import { gaussianArray, seededRandom } from '../gpu/random';
import { resolveSaeConfig } from './sae-config';
import { fromSaeFile, toSaeFile } from './sae-interchange';
import type { SaeWeights } from './sae-model';

const dIn = 6, latents = 5;
const random = seededRandom(21);
const weights = (): SaeWeights => ({
  W_enc: gaussianArray(dIn * latents, random),
  b_enc: gaussianArray(latents, random),
  W_dec: gaussianArray(latents * dIn, random),
  b_dec: gaussianArray(dIn, random),
});
const provenance = { model: 'toy-sd', hook: 'up_blocks.1.attentions.1', dynamics: { variant: 'full' as const, S: 2, d: 3, scales: new Float32Array([2, 0.5]) } };

describe('training config and weights ↔ SAELens-style file', () => {
  test('batchtopk keeps its one threshold, stored per latent, and comes back the same', () => {
    const config = resolveSaeConfig({ dIn, latents, k: 2, activation: 'batchtopk' });
    const w = { ...weights(), threshold: 0.375 };
    const file = toSaeFile(config, w, provenance);
    expect(file.cfg).toMatchObject({ architecture: 'batchtopk', d_in: dIn, d_sae: latents, k: 2, hook_name: provenance.hook, model_name: 'toy-sd', residualized: true, dynamics_variant: 'full', block_scales: [2, 0.5], trajectory_steps: 2, d_model: 3 });
    expect(Array.from(file.threshold!)).toEqual(new Array(latents).fill(0.375));
    const back = fromSaeFile(file, 64);
    expect(back.config).toMatchObject({ activation: 'batchtopk', k: 2, dIn, latents, batchSize: 64 });
    expect(back.weights.threshold).toBe(0.375);
    expect(back.weights.W_enc).toBe(w.W_enc);
  });

  test('ReLU is SAELens "standard" with no k; TopK stays TopK', () => {
    const relu = toSaeFile(resolveSaeConfig({ dIn, latents, k: 1, activation: 'relu' }), weights(), provenance);
    expect(relu.cfg).toMatchObject({ architecture: 'standard', k: null });
    expect(fromSaeFile(relu, 8).config.activation).toBe('relu');
    const topk = toSaeFile(resolveSaeConfig({ dIn, latents, k: 3, activation: 'topk' }), weights(), { ...provenance, dynamics: { ...provenance.dynamics, variant: 'none' as const } });
    expect(topk.cfg.residualized).toBe(false);
    expect(fromSaeFile(topk, 8).config).toMatchObject({ activation: 'topk', k: 3 });
  });

  test('JumpReLU with a threshold per latent is refused with the reason', () => {
    const file = toSaeFile(resolveSaeConfig({ dIn, latents, k: 2 }), weights(), provenance);
    file.cfg.architecture = 'jumprelu';
    file.threshold = Float32Array.from({ length: latents }, (_, j) => 0.1 * (j + 1));
    expect(() => fromSaeFile(file, 8)).toThrow(/different threshold per latent \(JumpReLU\)/);
  });
});
