/**
 * The schedulers against float64 values computed here from the published
 * formulas (diffusers' DDIMScheduler, EulerDiscreteScheduler and
 * PNDMScheduler.step_plms written out by hand, not by calling the code under
 * test), on Stable Diffusion 1.5's scheduler config.
 */
import { describe, expect, it } from 'vitest';
import { gaussianArray, seededRandom } from '../../gpu/random';
import { createScheduler, parseSchedulerConfig } from './index';

const SD15 = parseSchedulerConfig({
  _class_name: 'PNDMScheduler',
  beta_start: 0.00085,
  beta_end: 0.012,
  beta_schedule: 'scaled_linear',
  num_train_timesteps: 1000,
  set_alpha_to_one: false,
  skip_prk_steps: true,
  steps_offset: 1,
  prediction_type: 'epsilon',
  timestep_spacing: 'leading',
});

/** ᾱ_t in float64 by the definition: β_i = (√β_0 + i/(N−1)·(√β_1 − √β_0))², ᾱ_t = Π (1 − β_i). */
function alphaBar(t: number): number {
  let p = 1;
  for (let i = 0; i <= t; i++) {
    const sb = Math.sqrt(0.00085) + (i / 999) * (Math.sqrt(0.012) - Math.sqrt(0.00085));
    p *= 1 - sb * sb;
  }
  return p;
}

function maxAbsDiff(a: ArrayLike<number>, b: ArrayLike<number>): number {
  let m = 0;
  for (let i = 0; i < a.length; i++) m = Math.max(m, Math.abs(a[i] - b[i]));
  return m;
}

const n = 37;
const random = seededRandom(2024);

describe('timesteps', () => {
  it('leading spacing with steps_offset 1 (SD 1.5): 981, 961, …, 1 at 50 steps; 961, …, 1 at 25', () => {
    expect(createScheduler('ddim', SD15, 50).timesteps).toEqual(Array.from({ length: 50 }, (_, i) => 981 - 20 * i));
    expect(createScheduler('ddim', SD15, 25).timesteps).toEqual(Array.from({ length: 25 }, (_, i) => 961 - 40 * i));
    expect(createScheduler('euler', SD15, 25).timesteps).toEqual(Array.from({ length: 25 }, (_, i) => 961 - 40 * i));
  });

  it('trailing rounds half to even as numpy does (16 steps: 999, 936, 874, …)', () => {
    const trailing = { ...SD15, timestepSpacing: 'trailing' as const };
    // np.round(np.arange(1000, 0, -62.5)) - 1: 1000, 937.5→938, 875, 812.5→812, …
    const want = Array.from({ length: 16 }, (_, i) => 1000 - 62.5 * i).map((x) => (x % 1 === 0.5 ? (Math.floor(x) % 2 === 0 ? Math.floor(x) : Math.ceil(x)) : x) - 1);
    expect(createScheduler('ddim', trailing, 16).timesteps).toEqual(want);
  });

  it('PLMS calls the second timestep twice: steps + 1 calls', () => {
    const ts = createScheduler('pndm', SD15, 5).timesteps;
    expect(ts).toEqual([801, 601, 601, 401, 201, 1]);
  });
});

describe('DDIM step (η = 0)', () => {
  it('matches x_prev = √ᾱ_prev·x̂_0 + √(1−ᾱ_prev)·ε in float64, and ᾱ_0 past the last step', () => {
    const s = createScheduler('ddim', SD15, 25);
    for (const call of [0, 12, 24]) {
      const x = gaussianArray(n, random);
      const eps = gaussianArray(n, random);
      const t = s.timesteps[call];
      const aT = alphaBar(t);
      const aPrev = t - 40 >= 0 ? alphaBar(t - 40) : alphaBar(0);
      const want = Array.from(x, (xi, i) => Math.sqrt(aPrev) * ((xi - Math.sqrt(1 - aT) * eps[i]) / Math.sqrt(aT)) + Math.sqrt(1 - aPrev) * eps[i]);
      expect(maxAbsDiff(s.step(eps, call, x), want), `call ${call}`).toBeLessThan(2e-5);
    }
  });
});

describe('Euler discrete', () => {
  it('three steps match x + (x − x̂_0)/σ·(σ_next − σ) with σ = √((1−ᾱ)/ᾱ), scaled input and init σ', () => {
    const s = createScheduler('euler', SD15, 10);
    const sigma = (t: number) => Math.sqrt((1 - alphaBar(t)) / alphaBar(t));
    const sig = [...s.timesteps.map(sigma), 0];
    expect(s.initNoiseSigma).toBeCloseTo(Math.sqrt(sig[0] ** 2 + 1), 5);
    let x: Float32Array = gaussianArray(n, random).map((v) => v * s.initNoiseSigma);
    let ref = Float64Array.from(x);
    for (let call = 0; call < 3; call++) {
      const scaled = s.scaleModelInput(x, call);
      expect(maxAbsDiff(scaled, Array.from(ref, (v) => v / Math.sqrt(sig[call] ** 2 + 1)))).toBeLessThan(1e-4);
      const eps = gaussianArray(n, random);
      x = s.step(eps, call, x);
      ref = ref.map((v, i) => v + eps[i] * (sig[call + 1] - sig[call]));
      expect(maxAbsDiff(x, ref), `call ${call}`).toBeLessThan(1e-3);
    }
  });
});

describe('PNDM (PLMS, skip_prk_steps)', () => {
  it('five calls match diffusers step_plms written out in float64, and a snapshot resumes exactly', () => {
    const steps = 10;
    const s = createScheduler('pndm', SD15, steps);
    const transfer = (x: Float64Array, t: number, prev: number, e: Float64Array) => {
      const aT = alphaBar(t);
      const aP = prev >= 0 ? alphaBar(prev) : alphaBar(0);
      return x.map((v, i) => Math.sqrt(aP / aT) * v - ((aP - aT) * e[i]) / (aT * Math.sqrt(1 - aP) + Math.sqrt(aT * (1 - aT) * aP)));
    };
    const epsList = Array.from({ length: 5 }, () => Float64Array.from(gaussianArray(n, random)));
    const x0 = Float64Array.from(gaussianArray(n, random));
    // Reference: call 0 at t = 901 → 801 with ε0; call 1 repeats 801 from x0 with (ε0 + ε1)/2, 901 → 801;
    // then Adams–Bashforth of orders 2, 3 on the stored ε list [ε0, ε2, ε3, …] (call 1's ε is not stored).
    const ref: Float64Array[] = [];
    ref[0] = transfer(x0, 901, 801, epsList[0]);
    ref[1] = transfer(x0, 901, 801, epsList[0].map((v, i) => (v + epsList[1][i]) / 2));
    ref[2] = transfer(ref[1], 801, 701, epsList[0].map((v, i) => (3 * epsList[2][i] - v) / 2));
    ref[3] = transfer(ref[2], 701, 601, epsList[0].map((v, i) => (23 * epsList[3][i] - 16 * epsList[2][i] + 5 * v) / 12));
    ref[4] = transfer(ref[3], 601, 501, epsList[0].map((v, i) => (55 * epsList[4][i] - 59 * epsList[3][i] + 37 * epsList[2][i] - 9 * v) / 24));
    expect(s.timesteps.slice(0, 5)).toEqual([901, 801, 801, 701, 601]);
    let x: Float32Array = Float32Array.from(x0);
    let saved = s.snapshot();
    for (let call = 0; call < 5; call++) {
      if (call === 3) saved = s.snapshot();
      x = s.step(Float32Array.from(epsList[call]), call, x);
      expect(maxAbsDiff(x, ref[call]), `call ${call}`).toBeLessThan(1e-4);
    }
    // Restart from the snapshot before call 3: the same two steps give the same bits.
    const again = createScheduler('pndm', SD15, steps);
    again.restore(saved);
    const x3 = again.step(Float32Array.from(epsList[3]), 3, Float32Array.from(ref[2]));
    expect(maxAbsDiff(x3, ref[3])).toBeLessThan(1e-4);
  });
});

describe('parseSchedulerConfig', () => {
  it('names the bad field and the allowed values', () => {
    expect(() => parseSchedulerConfig({ beta_schedule: 'cosine' })).toThrow(/beta_schedule is "cosine"; it must be one of linear, scaled_linear/);
    expect(() => parseSchedulerConfig({ num_train_timesteps: -3 })).toThrow(/num_train_timesteps is -3/);
    expect(() => createScheduler('pndm', { ...SD15, skipPrkSteps: false }, 10)).toThrow(/skip_prk_steps/);
  });
});
