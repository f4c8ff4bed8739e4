import { alphasCumprod, inferenceTimesteps, type SchedulerConfig } from './schedule';
import type { Scheduler, SchedulerState } from './scheduler';

interface PlmsState {
  counter: number;
  ets: Float32Array[];
  curSample: Float32Array | null;
}

/**
 * PNDM's linear multistep part, PLMS (Liu et al. 2022, eq. 12; diffusers
 * `PNDMScheduler.step_plms`), as SD 1.5 configures it (skip_prk_steps):
 * Adams–Bashforth combinations of the last 1–4 ε, applied through the
 * pseudo-numerical transfer
 *   x_prev = √(ᾱ_prev/ᾱ_t)·x − (ᾱ_prev − ᾱ_t)·ε / (ᾱ_t·√(1−ᾱ_prev) + √(ᾱ_t(1−ᾱ_t)ᾱ_prev)).
 * Its warm-up, kept exactly: the second timestep is called twice — first
 * from x_t with ε_0 alone, then again from the first call's x with the mean
 * of the two ε — so a run of `steps` makes steps + 1 UNet calls.
 */
export function createPndm(config: SchedulerConfig, steps: number): Scheduler {
  if (!config.skipPrkSteps) throw new Error('PNDM: the Runge–Kutta warm-up (skip_prk_steps: false) is not supported; set skip_prk_steps to true (Stable Diffusion\'s setting) or use ddim');
  const N = config.numTrainTimesteps;
  if (!Number.isInteger(steps) || steps < 2 || steps > N) throw new RangeError(`PNDM steps = ${steps} must be an integer in [2, ${N}]`);
  const ac = alphasCumprod(config);
  const final = config.setAlphaToOne ? 1 : ac[0];
  const stride = Math.floor(N / steps);
  // diffusers' set_timesteps (leading / linspace / trailing), then the PLMS order [t_S-1, t_S-2, t_S-2, t_S-3, …, t_0].
  const ascending = inferenceTimesteps(config, steps, true).reverse();
  const timesteps = [...ascending.slice(0, -1), ascending[steps - 2], ascending[steps - 1]].reverse();

  let state: PlmsState = { counter: 0, ets: [], curSample: null };

  const transfer = (sample: Float32Array, t: number, prev: number, eps: Float32Array): Float32Array => {
    const aT = ac[t];
    const aPrev = prev >= 0 ? ac[prev] : final;
    const out = new Float32Array(sample.length);
    const sampleCoeff = Math.sqrt(aPrev / aT);
    const denom = aT * Math.sqrt(1 - aPrev) + Math.sqrt(aT * (1 - aT) * aPrev);
    for (let i = 0; i < sample.length; i++) {
      const e = config.predictionType === 'v_prediction' ? Math.sqrt(aT) * eps[i] + Math.sqrt(1 - aT) * sample[i] : eps[i];
      out[i] = sampleCoeff * sample[i] - ((aPrev - aT) * e) / denom;
    }
    return out;
  };

  const combine = (weights: number[], scale: number): Float32Array => {
    const { ets } = state;
    const out = new Float32Array(ets[0].length);
    for (let i = 0; i < out.length; i++) {
      let sum = 0;
      weights.forEach((w, j) => (sum += w * ets[ets.length - 1 - j][i]));
      out[i] = sum / scale;
    }
    return out;
  };

  if (config.predictionType === 'sample') throw new Error('PNDM: prediction_type "sample" is not supported; use epsilon or v_prediction');
  return {
    name: 'pndm',
    config,
    timesteps,
    initNoiseSigma: 1,
    scaleModelInput: (sample) => sample,
    step(output, call, sample) {
      let t = timesteps[call];
      let prev = t - stride;
      if (state.counter !== 1) {
        state.ets = [...state.ets.slice(-3), output];
      } else {
        prev = t;
        t = t + stride;
      }
      let eps: Float32Array;
      let from = sample;
      if (state.ets.length === 1 && state.counter === 0) {
        eps = output;
        state.curSample = sample;
      } else if (state.ets.length === 1 && state.counter === 1) {
        eps = output.map((v, i) => (v + state.ets[0][i]) / 2);
        from = state.curSample!;
        state.curSample = null;
      } else if (state.ets.length === 2) eps = combine([3, -1], 2);
      else if (state.ets.length === 3) eps = combine([23, -16, 5], 12);
      else eps = combine([55, -59, 37, -9], 24);
      state.counter++;
      return transfer(from, t, prev, eps);
    },
    snapshot: (): SchedulerState => ({ counter: state.counter, ets: state.ets.map((e) => e.slice()), curSample: state.curSample?.slice() ?? null }),
    restore(saved) {
      const s = saved as unknown as PlmsState;
      state = { counter: s.counter, ets: s.ets.map((e) => e.slice()), curSample: s.curSample?.slice() ?? null };
    },
  };
}
