import { describe, expect, it } from 'vitest';
import { steerPlan, type SteerParams } from './steer-slice';

const params = (over: Partial<SteerParams> = {}): SteerParams => ({ prompt: 'a red circle', negativePrompt: '', seed: 3, latents: [{ latent: 5, alpha: 6 }], window: null, mask: null, ablate: false, conditionalOnly: false, ...over });

describe('what a steering request says before its first image', () => {
  it('a first run, or a new prompt, seed or negative prompt, generates the unsteered image too', () => {
    expect(steerPlan(null, params())).toMatch(/^generating the unsteered image/);
    expect(steerPlan(params(), params({ seed: 4 }))).toMatch(/^generating the unsteered image/);
    expect(steerPlan(params(), params({ prompt: 'a blue square' }))).toMatch(/^generating the unsteered image/);
    expect(steerPlan(params(), params({ negativePrompt: 'blurry' }))).toMatch(/^generating the unsteered image/);
  });

  it('a changed strength, latent, window or mask re-runs only the steered calls', () => {
    expect(steerPlan(params(), params({ latents: [{ latent: 5, alpha: 12 }], window: [4, 10] }))).toMatch(/^re-running the steered calls/);
  });
});
