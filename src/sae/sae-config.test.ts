import { describe, expect, it } from 'vitest';
import { resolveSaeConfig, SAE_DEFAULTS } from './sae-config';

describe('resolveSaeConfig', () => {
  it('fills the defaults', () => {
    const c = resolveSaeConfig({ dIn: 24, latents: 100 });
    expect(c).toEqual({ ...SAE_DEFAULTS, dIn: 24, latents: 100, auxK: 100 });
    expect(resolveSaeConfig({ dIn: 24, latents: 1000 }).auxK).toBe(256);
  });

  it('names every bad field and the allowed values in one error', () => {
    const bad = () =>
      resolveSaeConfig({ dIn: 0, latents: 50, k: 60, activation: 'gelu' as never, lr: -1, bDecInit: 'median' as never });
    expect(bad).toThrow(/dIn = 0/);
    expect(bad).toThrow(/k = 60, but it must be an integer in \[1, 50\]/);
    expect(bad).toThrow(/activation = "gelu". Should be one of: batchtopk, topk, relu/);
    expect(bad).toThrow(/lr = -1/);
    expect(bad).toThrow(/bDecInit = "median". Should be one of: geometric-median, mean/);
  });
});
