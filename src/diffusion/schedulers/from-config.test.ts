/**
 * Stable Diffusion 1.5's published scheduler_config.json built as each
 * scheduler, the way diffusers' `from_config` builds it: fields the file
 * leaves out take the defaults of the class being built. Expected values are
 * computed here from diffusers' formulas, written out independently of the
 * code under test: scaled_linear betas, ᾱ, each class's default
 * `timestep_spacing` (DDIM "leading", Euler "linspace", PNDM "leading"),
 * `steps_offset`, and Euler's init_noise_sigma (σ_max for linspace or
 * trailing spacing, √(σ_max² + 1) for leading).
 */
import { describe, expect, it } from 'vitest';
import { createScheduler, parseSchedulerConfig } from './index';

/** runwayml/stable-diffusion-v1-5, scheduler/scheduler_config.json, as published. */
const SD15_PUBLISHED = {
  _class_name: 'PNDMScheduler',
  _diffusers_version: '0.6.0',
  beta_end: 0.012,
  beta_schedule: 'scaled_linear',
  beta_start: 0.00085,
  num_train_timesteps: 1000,
  set_alpha_to_one: false,
  skip_prk_steps: true,
  steps_offset: 1,
  trained_betas: null,
  clip_sample: false,
};

const N = 1000;
/** ᾱ_t: β = linspace(√0.00085, √0.012, N)², ᾱ = cumprod(1 − β). */
const alphasCumprod = (() => {
  const out: number[] = [];
  let p = 1;
  for (let i = 0; i < N; i++) {
    const sqrtBeta = Math.sqrt(0.00085) + (i * (Math.sqrt(0.012) - Math.sqrt(0.00085))) / (N - 1);
    p *= 1 - sqrtBeta * sqrtBeta;
    out.push(p);
  }
  return out;
})();
const sigmaAtInteger = (t: number) => Math.sqrt((1 - alphasCumprod[t]) / alphasCumprod[t]);
/** np.interp(t, arange(N), σ). */
const sigmaAt = (t: number) => {
  const lo = Math.floor(t);
  return lo === N - 1 ? sigmaAtInteger(lo) : sigmaAtInteger(lo) + (t - lo) * (sigmaAtInteger(lo + 1) - sigmaAtInteger(lo));
};

/** "leading": (arange(steps) · N // steps)[::-1] + steps_offset. */
const leading = (steps: number) => Array.from({ length: steps }, (_, i) => (steps - 1 - i) * Math.floor(N / steps) + 1);
/** "linspace" as Euler keeps it: linspace(0, N − 1, steps)[::-1], not rounded. */
const linspace = (steps: number) => Array.from({ length: steps }, (_, i) => ((steps - 1 - i) * (N - 1)) / (steps - 1));

describe("SD 1.5's published scheduler_config.json (PNDMScheduler, no timestep_spacing) as diffusers builds it", () => {
  const config = parseSchedulerConfig(SD15_PUBLISHED);

  it('reads as its named class, and records which class-dependent field it left out', () => {
    expect(config.timestepSpacing).toBe('leading');
    expect(config.defaulted).toEqual(['timestepSpacing']);
  });

  for (const steps of [50, 25]) {
    it(`DDIM, ${steps} steps: leading spacing with steps_offset 1, init σ 1`, () => {
      const ddim = createScheduler('ddim', config, steps);
      expect(ddim.timesteps).toEqual(leading(steps));
      expect(ddim.initNoiseSigma).toBe(1);
    });

    it(`Euler, ${steps} steps: Euler's own default, linspace (999 … 0), init σ = σ_max`, () => {
      const euler = createScheduler('euler', config, steps);
      expect(euler.config.timestepSpacing).toBe('linspace');
      const expected = linspace(steps);
      expect(euler.timesteps).toHaveLength(steps);
      euler.timesteps.forEach((t, i) => expect(t).toBeCloseTo(expected[i], 9));
      expect([euler.timesteps[0], euler.timesteps[steps - 1]]).toEqual([999, 0]);
      // The maximum σ is σ(999); linspace spacing starts from it without the +1.
      expect(euler.initNoiseSigma).toBeCloseTo(sigmaAt(999), 9);
      expect(euler.initNoiseSigma).toBeCloseTo(14.6146, 3);
    });

    it(`PNDM, ${steps} steps: leading with steps_offset 1, PLMS calling the second timestep twice, init σ 1`, () => {
      const pndm = createScheduler('pndm', config, steps);
      const ts = leading(steps);
      expect(pndm.timesteps).toEqual([ts[0], ts[1], ...ts.slice(1)]);
      expect(pndm.initNoiseSigma).toBe(1);
    });
  }

  it('Euler keeps a timestep_spacing the file gives: leading, init σ = √(σ_max² + 1) (8.45 at 10 steps, where linspace gives 14.61)', () => {
    const euler = createScheduler('euler', parseSchedulerConfig({ ...SD15_PUBLISHED, timestep_spacing: 'leading' }), 10);
    expect(euler.timesteps).toEqual(leading(10));
    expect(euler.initNoiseSigma).toBeCloseTo(Math.sqrt(sigmaAt(901) ** 2 + 1), 9);
    expect(euler.initNoiseSigma).toBeCloseTo(8.45, 2);
    expect(createScheduler('euler', config, 10).initNoiseSigma).toBeCloseTo(14.61, 2);
  });

  it('DDIM fills what a PNDM file leaves out with its own defaults (set_alpha_to_one true, clip_sample true)', () => {
    const bare = parseSchedulerConfig({ _class_name: 'PNDMScheduler', beta_schedule: 'scaled_linear', beta_start: 0.00085, beta_end: 0.012 });
    expect([bare.setAlphaToOne, bare.skipPrkSteps]).toEqual([false, false]);
    expect([createScheduler('ddim', bare, 10).config.setAlphaToOne, createScheduler('ddim', bare, 10).config.clipSample]).toEqual([true, true]);
    expect(createScheduler('pndm', bare, 10).config.setAlphaToOne).toBe(false);
  });
});
