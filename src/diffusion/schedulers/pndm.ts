import { alphasCumprod, inferenceTimesteps, type SchedulerConfig } from './schedule';
import type { Scheduler, SchedulerState } from './scheduler';

/** What PNDM carries from call to call (diffusers' `counter`, `ets`, `cur_sample`, `cur_model_output`). */
interface PndmState {
  /** Calls made so far; equals the next call index. */
  counter: number;
  /** Past model outputs the multistep formula combines (at most 4 kept). */
  ets: Float32Array[];
  /** The sample a Runge–Kutta step, or PLMS's repeated first step, starts from. */
  curSample: Float32Array | null;
  /** Runge–Kutta: running weighted sum of the step's model outputs (1/6, 1/3, 1/3). */
  curModelOutput: Float32Array | null;
}

/** diffusers' `pndm_order`: Runge–Kutta warm-up over the last 4 timesteps, then 4th-order Adams–Bashforth. */
const PNDM_ORDER = 4;

/**
 * PNDM (Liu et al. 2022, "Pseudo Numerical Methods for Diffusion Models"),
 * as diffusers' `PNDMScheduler` runs it: every step goes through the
 * pseudo-numerical transfer of eq. 9 (`_get_prev_sample`)
 *   x_prev = √(ᾱ_prev/ᾱ_t)·x − (ᾱ_prev − ᾱ_t)·ε / (ᾱ_t·√(1−ᾱ_prev) + √(ᾱ_t(1−ᾱ_t)ᾱ_prev)),
 * ε being the model output (v-prediction converted: ε = √ᾱ_t·v + √(1−ᾱ_t)·x).
 *
 * skip_prk_steps (Stable Diffusion's config): PLMS (`step_plms`) only,
 * Adams–Bashforth combinations of the last 1–4 outputs. Its warm-up, kept
 * exactly: the second timestep is called twice — first from x_t with ε_0
 * alone, then again from the first call's input x with the mean of the two
 * outputs — and the second output is not kept in the history, so a run of
 * `steps` makes steps + 1 UNet calls.
 *
 * Otherwise (`step_prk`): a 4-stage Runge–Kutta step (weights 1/6, 1/3,
 * 1/3, 1/6, half steps of ⌊⌊N/steps⌋/2⌋) over each of the first three
 * intervals, 12 calls, then PLMS on the history those steps left.
 *
 * Shapes: every array is the flat latent, [C·H·W] or [B·C·H·W] f32.
 */
export function createPndm(config: SchedulerConfig, steps: number): Scheduler {
  const N = config.numTrainTimesteps;
  if (!Number.isInteger(steps) || steps < 2 || steps > N) throw new RangeError(`PNDM steps = ${steps} must be an integer in [2, ${N}]`);
  if (config.predictionType === 'sample') throw new Error('PNDM: prediction_type "sample" is not supported. Should be one of: epsilon, v_prediction');
  if (!config.skipPrkSteps && steps < PNDM_ORDER) throw new RangeError(`PNDM with Runge–Kutta warm-up (skip_prk_steps: false) needs steps ≥ ${PNDM_ORDER}, got ${steps}`);
  const ac = alphasCumprod(config);
  const final = config.setAlphaToOne ? 1 : ac[0];
  const stride = Math.floor(N / steps);
  const half = Math.floor(stride / 2);

  // diffusers' set_timesteps: `_timesteps` ascending, then the call order.
  const asc = inferenceTimesteps(config, steps, true).reverse();
  let prk: number[] = [];
  let plms: number[];
  if (config.skipPrkSteps) {
    // [t_0 … t_{S−2}, t_{S−2}, t_{S−1}] reversed: t_{S−2} twice.
    plms = [...asc.slice(0, -1), asc[steps - 2], asc[steps - 1]].reverse();
  } else {
    // Last 4 timesteps each with its half step (t, t + h), every stage twice but the ends: [d, c+h, c+h, c, c, b+h, …, a+h, a+h, a].
    const pairs = asc.slice(-PNDM_ORDER).flatMap((t) => [t, t + half]);
    const doubled = pairs.slice(0, -1).flatMap((t) => [t, t]);
    prk = doubled.slice(1, -1).reverse();
    plms = asc.slice(0, -3).reverse();
  }
  const timesteps = [...prk, ...plms];

  let state: PndmState = { counter: 0, ets: [], curSample: null, curModelOutput: null };

  /** eq. 9 from `sample` at t to `prev`, ε = `output` (converted from v with `sample`). */
  const transfer = (sample: Float32Array, t: number, prev: number, output: Float32Array): Float32Array => {
    const aT = ac[t];
    const aPrev = prev >= 0 ? ac[prev] : final;
    const sampleCoeff = Math.sqrt(aPrev / aT);
    const denom = aT * Math.sqrt(1 - aPrev) + Math.sqrt(aT * (1 - aT) * aPrev);
    const sa = Math.sqrt(aT);
    const sb = Math.sqrt(1 - aT);
    const out = new Float32Array(sample.length);
    for (let i = 0; i < sample.length; i++) {
      const eps = config.predictionType === 'v_prediction' ? sa * output[i] + sb * sample[i] : output[i];
      out[i] = sampleCoeff * sample[i] - ((aPrev - aT) * eps) / denom;
    }
    return out;
  };

  /** Σ_j weights[j]·ets[last − j] / scale (Adams–Bashforth, newest first). */
  const combine = (weights: readonly number[], scale: number): Float32Array => {
    const { ets } = state;
    const out = new Float32Array(ets[0].length);
    for (let i = 0; i < out.length; i++) {
      let sum = 0;
      for (let j = 0; j < weights.length; j++) sum += weights[j] * ets[ets.length - 1 - j][i];
      out[i] = sum / scale;
    }
    return out;
  };

  /** diffusers `step_prk`: stage counter % 4 of the Runge–Kutta step that started at prk[⌊counter/4⌋·4]. */
  const stepPrk = (output: Float32Array, timestep: number, sample: Float32Array): Float32Array => {
    const stage = state.counter % 4;
    const prev = timestep - (state.counter % 2 ? 0 : half);
    const t = prk[Math.floor(state.counter / 4) * 4];
    const acc = state.curModelOutput ?? new Float32Array(output.length);
    let eps = output;
    if (stage === 0) {
      for (let i = 0; i < acc.length; i++) acc[i] += output[i] / 6;
      state.ets = [...state.ets, output.slice()];
      state.curSample = sample.slice();
      state.curModelOutput = acc;
    } else if (stage === 1 || stage === 2) {
      for (let i = 0; i < acc.length; i++) acc[i] += output[i] / 3;
      state.curModelOutput = acc;
    } else {
      eps = acc.map((v, i) => v + output[i] / 6);
      state.curModelOutput = null;
    }
    const from = state.curSample ?? sample;
    state.counter++;
    return transfer(from, t, prev, eps);
  };

  /** diffusers `step_plms`, including its first-two-calls quirk. */
  const stepPlms = (output: Float32Array, timestep: number, sample: Float32Array): Float32Array => {
    let t = timestep;
    let prev = t - stride;
    if (state.counter !== 1) {
      state.ets = [...state.ets.slice(-3), output.slice()];
    } else {
      // The repeated timestep: re-do the first interval, t_{S−1} → t_{S−2}.
      prev = t;
      t = t + stride;
    }
    let eps: Float32Array;
    let from = sample;
    if (state.ets.length === 1 && state.counter === 0) {
      eps = output;
      state.curSample = sample.slice();
    } else if (state.ets.length === 1 && state.counter === 1) {
      const first = state.ets[0];
      eps = output.map((v, i) => (v + first[i]) / 2);
      from = state.curSample!;
      state.curSample = null;
    } else if (state.ets.length === 2) eps = combine([3, -1], 2);
    else if (state.ets.length === 3) eps = combine([23, -16, 5], 12);
    else eps = combine([55, -59, 37, -9], 24);
    state.counter++;
    return transfer(from, t, prev, eps);
  };

  return {
    name: 'pndm',
    config,
    timesteps,
    initNoiseSigma: 1,
    scaleModelInput: (sample) => sample,
    step(output, call, sample) {
      // The history is positional: a call out of order would silently combine the wrong outputs.
      if (call !== state.counter) throw new RangeError(`PNDM: step(call = ${call}) but the scheduler is at call ${state.counter}; restore() the snapshot taken before call ${call} first`);
      if (call >= timesteps.length) throw new RangeError(`PNDM: call ${call} is past the last of ${timesteps.length} calls`);
      return call < prk.length ? stepPrk(output, timesteps[call], sample) : stepPlms(output, timesteps[call], sample);
    },
    snapshot: (): SchedulerState => ({
      counter: state.counter,
      ets: state.ets.map((e) => e.slice()),
      curSample: state.curSample?.slice() ?? null,
      curModelOutput: state.curModelOutput?.slice() ?? null,
    }),
    restore(saved) {
      const s = saved as unknown as PndmState;
      state = {
        counter: s.counter,
        ets: s.ets.map((e) => e.slice()),
        curSample: s.curSample?.slice() ?? null,
        curModelOutput: s.curModelOutput?.slice() ?? null,
      };
    },
  };
}
