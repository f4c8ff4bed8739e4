/**
 * The schedulers against float64 values computed here from the published
 * formulas (diffusers' DDIMScheduler, EulerDiscreteScheduler and
 * PNDMScheduler.step_plms / step_prk written out by hand, PRK from the PNDM
 * paper's eq. 13, not by calling the code under test), on Stable Diffusion
 * 1.5's scheduler config. Tolerances: the schedulers take f32 latents and
 * return f32, so one step carries ~1e-7 relative rounding on values of order
 * 1–15 (Euler's σ_max ≈ 14.6); bounds are 2e-5 … 1e-3 by magnitude.
 */
import { describe, expect, it } from 'vitest';
import { gaussianArray, seededRandom } from '../../gpu/random';
import { createScheduler, defaultSchedulerName, parseSchedulerConfig } from './index';
import { alphasCumprod } from './schedule';

const SD15 = parseSchedulerConfig({
  _class_name: 'PNDMScheduler',
  beta_start: 0.00085,
  beta_end: 0.012,
  beta_schedule: 'scaled_linear',
  num_train_timesteps: 1000,
  set_alpha_to_one: false,
  skip_prk_steps: true,
  clip_sample: false,
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

  it('linspace rounds half to even for DDIM and stays fractional for Euler (7 steps)', () => {
    const linspace = { ...SD15, timestepSpacing: 'linspace' as const };
    // np.linspace(0, 999, 7) = 0, 166.5, 333, 499.5, 666, 832.5, 999; np.round: 166.5 → 166, 499.5 → 500, 832.5 → 832.
    expect(createScheduler('ddim', linspace, 7).timesteps).toEqual([999, 832, 666, 500, 333, 166, 0]);
    expect(createScheduler('euler', linspace, 7).timesteps).toEqual([999, 832.5, 666, 499.5, 333, 166.5, 0]);
  });

  it('refuses a step count whose leading timesteps pass the schedule', () => {
    expect(() => createScheduler('ddim', SD15, 1000)).toThrow(/reaches t = 1000/);
  });

  it('PLMS calls the second timestep twice: steps + 1 calls', () => {
    const ts = createScheduler('pndm', SD15, 5).timesteps;
    expect(ts).toEqual([801, 601, 601, 401, 201, 1]);
  });
});

describe('training schedule ᾱ_t', () => {
  it('scaled_linear (SD 1.5) and linear match the product of (1 − β_i) at a few t', () => {
    const ac = alphasCumprod(SD15);
    for (const t of [0, 1, 250, 500, 981, 999]) expect(ac[t] / alphaBar(t) - 1, `t = ${t}`).toBeLessThan(1e-12);
    // Published SD 1.5 values (diffusers float32 alphas_cumprod): ᾱ_0 = 1 − 0.00085, ᾱ_999 ≈ 0.0047.
    expect(ac[0]).toBeCloseTo(0.99915, 12);
    expect(ac[999]).toBeCloseTo(0.0046, 3);
    const linear = alphasCumprod(parseSchedulerConfig({ beta_schedule: 'linear', beta_start: 0.0001, beta_end: 0.02 }));
    let p = 1;
    for (let i = 0; i <= 600; i++) p *= 1 - (0.0001 + (i / 999) * (0.02 - 0.0001));
    expect(Math.abs(linear[600] / p - 1)).toBeLessThan(1e-12);
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

describe('DDIM with v_prediction and sample prediction', () => {
  it('converts v and x̂_0 as DDIMScheduler.step does', () => {
    // Call 0 of 25 steps: t = 961 → 921.
    const aT = alphaBar(961);
    const aPrev = alphaBar(921);
    const x = gaussianArray(n, random);
    const out = gaussianArray(n, random);
    const v = createScheduler('ddim', { ...SD15, predictionType: 'v_prediction' }, 25);
    // v = √ᾱ·ε − √(1−ᾱ)·x_0  ⇒  x_0 = √ᾱ·x − √(1−ᾱ)·v,  ε = √ᾱ·v + √(1−ᾱ)·x.
    const wantV = Array.from(x, (xi, i) => {
      const x0 = Math.sqrt(aT) * xi - Math.sqrt(1 - aT) * out[i];
      const eps = Math.sqrt(aT) * out[i] + Math.sqrt(1 - aT) * xi;
      return Math.sqrt(aPrev) * x0 + Math.sqrt(1 - aPrev) * eps;
    });
    expect(maxAbsDiff(v.step(out, 0, x), wantV)).toBeLessThan(2e-5);
    const smp = createScheduler('ddim', { ...SD15, predictionType: 'sample' }, 25);
    const wantS = Array.from(x, (xi, i) => Math.sqrt(aPrev) * out[i] + Math.sqrt(1 - aPrev) * ((xi - Math.sqrt(aT) * out[i]) / Math.sqrt(1 - aT)));
    expect(maxAbsDiff(smp.step(out, 0, x), wantS)).toBeLessThan(2e-5);
  });
});

describe('Euler discrete', () => {
  it('three steps match x + (x − x̂_0)/σ·(σ_next − σ) with σ = √((1−ᾱ)/ᾱ), scaled input and init σ', () => {
    const s = createScheduler('euler', SD15, 10);
    const sigma = (t: number) => Math.sqrt((1 - alphaBar(t)) / alphaBar(t));
    const sig = [...s.timesteps.map(sigma), 0];
    expect(s.initNoiseSigma).toBeCloseTo(Math.sqrt(sig[0] ** 2 + 1), 5);
    // linspace / trailing: init_noise_sigma is σ_max itself (σ at t = 999 for linspace).
    expect(createScheduler('euler', { ...SD15, timestepSpacing: 'linspace' }, 10).initNoiseSigma).toBeCloseTo(sigma(999), 5);
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

describe('PNDM with the Runge–Kutta warm-up (skip_prk_steps: false)', () => {
  const PRK = { ...SD15, skipPrkSteps: false };

  it("lays out diffusers' prk_timesteps then plms_timesteps (10 steps: 12 + 7 calls)", () => {
    // Last four timesteps 601, 701, 801, 901, half step ⌊100/2⌋ = 50; each interval's midpoint called twice.
    expect(createScheduler('pndm', PRK, 10).timesteps).toEqual([901, 851, 851, 801, 801, 751, 751, 701, 701, 651, 651, 601, 601, 501, 401, 301, 201, 101, 1]);
  });

  it('three RK4 steps (PNDM paper eq. 13) then a 4th-order PLMS step match a float64 re-derivation', () => {
    const s = createScheduler('pndm', PRK, 10);
    const phi = (x: Float64Array, t: number, prev: number, e: ArrayLike<number>) => {
      const aT = alphaBar(t);
      const aP = alphaBar(prev);
      return x.map((v, i) => Math.sqrt(aP / aT) * v - ((aP - aT) * e[i]) / (aT * Math.sqrt(1 - aP) + Math.sqrt(aT * (1 - aT) * aP)));
    };
    const outputs = Array.from({ length: 13 }, () => Float64Array.from(gaussianArray(n, random)));
    let ref = Float64Array.from(gaussianArray(n, random));
    let x: Float32Array = Float32Array.from(ref);
    const k1s: Float64Array[] = [];
    let call = 0;
    for (const t of [901, 801, 701]) {
      // RK4 over [t, t − δ], δ = 100: k1 at x_t; k2, k3 at the midpoint; k4 at the end; x_{t−δ} with (k1 + 2k2 + 2k3 + k4)/6.
      const [k1, k2, k3, k4] = outputs.slice(call, call + 4);
      k1s.push(k1);
      const stages = [phi(ref, t, t - 50, k1), phi(ref, t, t - 50, k2), phi(ref, t, t - 100, k3)];
      const next = phi(ref, t, t - 100, k1.map((v, i) => (v + 2 * k2[i] + 2 * k3[i] + k4[i]) / 6));
      for (const want of [...stages, next]) {
        x = s.step(Float32Array.from(outputs[call]), call, x);
        expect(maxAbsDiff(x, want), `call ${call}`).toBeLessThan(1e-4);
        x = Float32Array.from(want); // feed the exact value on, so each call is checked on its own
        call++;
      }
      ref = next;
    }
    // Call 12 at t = 601: Adams–Bashforth 4 on [k1(901), k1(801), k1(701), ε_12].
    const e = outputs[12];
    const ab = e.map((v, i) => (55 * v - 59 * k1s[2][i] + 37 * k1s[1][i] - 9 * k1s[0][i]) / 24);
    expect(maxAbsDiff(s.step(Float32Array.from(e), 12, x), phi(ref, 601, 501, ab))).toBeLessThan(1e-4);
  });

  it('refuses a call out of order (its history is positional)', () => {
    const s = createScheduler('pndm', SD15, 10);
    const z = new Float32Array(4);
    expect(() => s.step(z, 1, z)).toThrow(/step\(call = 1\) but the scheduler is at call 0/);
  });
});

describe('parseSchedulerConfig', () => {
  it('names the bad field and the allowed values', () => {
    expect(() => parseSchedulerConfig({ beta_schedule: 'cosine' })).toThrow(/beta_schedule is "cosine"; it must be one of linear, scaled_linear/);
    expect(() => parseSchedulerConfig({ num_train_timesteps: -3 })).toThrow(/num_train_timesteps is -3/);
    expect(() => parseSchedulerConfig({ use_karras_sigmas: true })).toThrow(/use_karras_sigmas = true is not supported/);
    expect(() => parseSchedulerConfig({ rescale_betas_zero_snr: true })).toThrow(/rescale_betas_zero_snr/);
    expect(() => parseSchedulerConfig({ prediction_type: 'flow' })).toThrow(/prediction_type is "flow"; it must be one of epsilon, v_prediction, sample/);
    expect(() => createScheduler('pndm', { ...SD15, predictionType: 'sample' }, 10)).toThrow(/Should be one of: epsilon, v_prediction/);
  });

  it("fills missing fields with the named class's defaults and maps _class_name to a scheduler", () => {
    const pndm = parseSchedulerConfig({ _class_name: 'PNDMScheduler' });
    expect([pndm.setAlphaToOne, pndm.timestepSpacing, pndm.skipPrkSteps, pndm.stepsOffset]).toEqual([false, 'leading', false, 0]);
    const ddim = parseSchedulerConfig({ _class_name: 'DDIMScheduler' });
    expect([ddim.setAlphaToOne, ddim.clipSample, ddim.timestepSpacing]).toEqual([true, true, 'leading']);
    expect(parseSchedulerConfig({ _class_name: 'EulerDiscreteScheduler' }).timestepSpacing).toBe('linspace');
    expect(defaultSchedulerName(pndm)).toBe('pndm');
    expect(defaultSchedulerName(ddim)).toBe('ddim');
    expect(defaultSchedulerName(parseSchedulerConfig({ _class_name: 'EulerDiscreteScheduler' }))).toBe('euler');
  });
});
