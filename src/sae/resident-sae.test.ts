import { describe, expect, it, vi } from 'vitest';
import { imageLatentActivations } from '../analysis/image-latent-activations';
import type { DynamicsModel } from '../dynamics/dynamics-file';
import { seededRandom } from '../gpu/random';
import { testGpu } from '../gpu/test-gpu';
import { keepSaeResident, retireSae } from './resident-sae';
import { resolveSaeConfig } from './sae-config';

describe('resident SAE', () => {
  it('encoding passes reuse the kept copies (no upload of the SAE or dynamics) and give the same activations', async () => {
    const ctx = await testGpu();
    const [S, P, d, m] = [3, 5, 4, 9];
    const random = seededRandom(20);
    const trajectory = Float32Array.from({ length: S * P * d }, () => random() * 2 - 1);
    const A = new Float32Array((S - 1) * d * d);
    for (let s = 0; s < S - 1; s++) for (let i = 0; i < d; i++) A[(s * d + i) * d + i] = 0.5;
    const dynamics: DynamicsModel = { variant: 'diagonal', lambda: 0, S, d, A, b: new Float32Array((S - 1) * d).fill(0.1), scales: new Float32Array(S).fill(1), r2: new Float32Array(S - 1) };
    const config = resolveSaeConfig({ dIn: S * d, latents: m, activation: 'topk', k: 3, batchSize: 8 });
    const weights = { W_enc: Float32Array.from({ length: S * d * m }, () => random() - 0.5), b_enc: new Float32Array(m).fill(0.05), W_dec: Float32Array.from({ length: m * S * d }, () => random() - 0.5), b_dec: new Float32Array(S * d) };
    const sae = { config, weights };
    const latents = Array.from({ length: m }, (_, k) => k);
    const own = await imageLatentActivations(ctx, dynamics, sae, trajectory, latents);

    keepSaeResident(ctx, dynamics, sae);
    const upload = vi.spyOn(ctx, 'upload');
    const first = await imageLatentActivations(ctx, dynamics, sae, trajectory, latents);
    const second = await imageLatentActivations(ctx, dynamics, sae, trajectory, latents);
    expect(upload).not.toHaveBeenCalled();
    expect(first).toEqual(own);
    expect(second).toEqual(own);

    // Retired, the copies are gone: the next pass uploads its own again, with the same result.
    retireSae(sae);
    expect(await imageLatentActivations(ctx, dynamics, sae, trajectory, latents)).toEqual(own);
    expect(upload).toHaveBeenCalled();
    upload.mockRestore();
  });
});
