/**
 * What every scheduler shares: the model's `scheduler_config.json` (diffusers'
 * field names), the training noise schedule ᾱ_t, and the inference timesteps
 * for a number of steps under each `timestep_spacing` (diffusers'
 * `set_timesteps`, "Common Diffusion Noise Schedules and Sample Steps are
 * Flawed", Table 2). All in float64.
 */

import { classDefaults, schedulerOfClass, type ClassDependentField } from './class-defaults';

export type BetaSchedule = 'linear' | 'scaled_linear';
export type TimestepSpacing = 'leading' | 'trailing' | 'linspace';
export type PredictionType = 'epsilon' | 'v_prediction' | 'sample';

const BETA_SCHEDULES: readonly BetaSchedule[] = ['linear', 'scaled_linear'];
const SPACINGS: readonly TimestepSpacing[] = ['leading', 'trailing', 'linspace'];
const PREDICTIONS: readonly PredictionType[] = ['epsilon', 'v_prediction', 'sample'];

export interface SchedulerConfig {
  /** diffusers class the file was written for (e.g. "PNDMScheduler"); names the default scheduler. */
  className: string;
  numTrainTimesteps: number;
  betaStart: number;
  betaEnd: number;
  betaSchedule: BetaSchedule;
  /** Added to every leading-spaced timestep (SD 1.5: 1). */
  stepsOffset: number;
  timestepSpacing: TimestepSpacing;
  predictionType: PredictionType;
  /** DDIM/PNDM: ᾱ after the last step is 1 (true) or ᾱ_0 (false; SD 1.5). */
  setAlphaToOne: boolean;
  /** DDIM: clip the predicted x_0 to ±clipSampleRange. */
  clipSample: boolean;
  clipSampleRange: number;
  /** PNDM: skip the Runge–Kutta warm-up (SD 1.5: true). */
  skipPrkSteps: boolean;
  /**
   * Class-dependent fields the file left out, filled above with the named
   * class's defaults; a scheduler of another class fills them with its own
   * (`asBuiltBy`), as diffusers' `from_config` does.
   */
  defaulted: readonly ClassDependentField[];
}

function field<T>(json: Record<string, unknown>, key: string, check: (v: unknown) => v is T, fallback: T | undefined, rule: string): T {
  const v = json[key];
  if (v === undefined || v === null) {
    if (fallback === undefined) throw new Error(`scheduler_config.json: ${key} is missing (${rule})`);
    return fallback;
  }
  if (!check(v)) throw new Error(`scheduler_config.json: ${key} is ${JSON.stringify(v)}; it must be ${rule}`);
  return v;
}

const isPositiveInt = (v: unknown): v is number => Number.isSafeInteger(v) && (v as number) > 0;
const isNonNegativeInt = (v: unknown): v is number => Number.isSafeInteger(v) && (v as number) >= 0;
const isPositive = (v: unknown): v is number => typeof v === 'number' && Number.isFinite(v) && v > 0;
const isBool = (v: unknown): v is boolean => typeof v === 'boolean';
const oneOf = <T extends string>(values: readonly T[]) => (v: unknown): v is T => (values as readonly unknown[]).includes(v);

/**
 * Options diffusers offers that these schedulers do not implement: a config
 * that turns one on is refused rather than sampled differently from
 * diffusers. Each entry: field, the value that means "off".
 */
const UNSUPPORTED: readonly [string, unknown][] = [
  ['thresholding', false],
  ['rescale_betas_zero_snr', false],
  ['use_karras_sigmas', false],
  ['use_exponential_sigmas', false],
  ['use_beta_sigmas', false],
  ['interpolation_type', 'linear'],
  ['final_sigmas_type', 'zero'],
  ['timestep_type', 'discrete'],
];

/**
 * Reads a diffusers scheduler_config.json; names the bad field and the
 * allowed values. A missing field takes the default of the class the file
 * names (`set_alpha_to_one` is false for PNDMScheduler and true for
 * DDIMScheduler, `timestep_spacing` is "linspace" for
 * EulerDiscreteScheduler and "leading" otherwise); `defaulted` lists the
 * class-dependent ones, which the scheduler actually built re-fills.
 */
export function parseSchedulerConfig(json: unknown): SchedulerConfig {
  if (typeof json !== 'object' || json === null || Array.isArray(json)) throw new Error('scheduler_config.json must hold a JSON object');
  const j = json as Record<string, unknown>;
  if (j.trained_betas !== undefined && j.trained_betas !== null) throw new Error('scheduler_config.json: trained_betas is not supported; use beta_start/beta_end with a beta_schedule');
  for (const [key, off] of UNSUPPORTED) {
    const v = j[key];
    if (v !== undefined && v !== null && v !== off) throw new Error(`scheduler_config.json: ${key} = ${JSON.stringify(v)} is not supported; only ${JSON.stringify(off)}`);
  }
  const className = field(j, '_class_name', (v): v is string => typeof v === 'string', 'DDIMScheduler', 'a string');
  const named = classDefaults(schedulerOfClass(className));
  const keys: Record<ClassDependentField, string> = { timestepSpacing: 'timestep_spacing', setAlphaToOne: 'set_alpha_to_one', clipSample: 'clip_sample', skipPrkSteps: 'skip_prk_steps' };
  const defaulted = (Object.keys(keys) as ClassDependentField[]).filter((f) => j[keys[f]] === undefined || j[keys[f]] === null);
  const config: SchedulerConfig = {
    className,
    numTrainTimesteps: field(j, 'num_train_timesteps', isPositiveInt, 1000, 'a positive integer'),
    betaStart: field(j, 'beta_start', isPositive, 0.0001, 'a positive number'),
    betaEnd: field(j, 'beta_end', isPositive, 0.02, 'a positive number'),
    betaSchedule: field(j, 'beta_schedule', oneOf(BETA_SCHEDULES), 'linear', `one of ${BETA_SCHEDULES.join(', ')}`),
    stepsOffset: field(j, 'steps_offset', isNonNegativeInt, 0, 'an integer ≥ 0'),
    timestepSpacing: field(j, 'timestep_spacing', oneOf(SPACINGS), named.timestepSpacing, `one of ${SPACINGS.join(', ')}`),
    predictionType: field(j, 'prediction_type', oneOf(PREDICTIONS), 'epsilon', `one of ${PREDICTIONS.join(', ')}`),
    setAlphaToOne: field(j, 'set_alpha_to_one', isBool, named.setAlphaToOne, 'true or false'),
    // Only DDIM reads clip_sample, and its default is true (DDIMScheduler.__init__), whatever class the file names.
    clipSample: field(j, 'clip_sample', isBool, classDefaults('ddim').clipSample, 'true or false'),
    clipSampleRange: field(j, 'clip_sample_range', isPositive, 1, 'a positive number'),
    skipPrkSteps: field(j, 'skip_prk_steps', isBool, named.skipPrkSteps, 'true or false'),
    defaulted,
  };
  if (config.betaEnd < config.betaStart) throw new Error(`scheduler_config.json: beta_end ${config.betaEnd} is below beta_start ${config.betaStart}`);
  if (config.betaEnd >= 1) throw new Error(`scheduler_config.json: beta_end ${config.betaEnd} must be below 1`);
  return config;
}

/** ᾱ_t = Π_{i≤t} (1 − β_i) for t = 0..N−1; β linear in β (linear) or in √β (scaled_linear, SD's). */
export function alphasCumprod(config: SchedulerConfig): Float64Array {
  const N = config.numTrainTimesteps;
  const out = new Float64Array(N);
  let product = 1;
  for (let i = 0; i < N; i++) {
    const f = N === 1 ? 0 : i / (N - 1);
    const beta =
      config.betaSchedule === 'linear'
        ? config.betaStart + f * (config.betaEnd - config.betaStart)
        : (Math.sqrt(config.betaStart) + f * (Math.sqrt(config.betaEnd) - Math.sqrt(config.betaStart))) ** 2;
    product *= 1 - beta;
    out[i] = product;
  }
  return out;
}

/** Round half to even, as numpy's `round` (diffusers rounds its timesteps with it). */
export function roundHalfEven(x: number): number {
  const r = Math.round(x);
  return Math.abs(x - Math.trunc(x)) === 0.5 && r % 2 !== 0 ? r - 1 : r;
}

/**
 * Inference timesteps, descending, as diffusers' DDIM/Euler `set_timesteps`:
 * leading: (0..steps−1)·⌊N/steps⌋ + offset; trailing: round(N − i·N/steps) − 1;
 * linspace: linspace(0, N−1, steps) (rounded when `integer`, as DDIM does; Euler keeps it real).
 */
export function inferenceTimesteps(config: SchedulerConfig, steps: number, integer: boolean): number[] {
  const N = config.numTrainTimesteps;
  if (!Number.isInteger(steps) || steps < 1 || steps > N) throw new RangeError(`steps = ${steps} must be an integer in [1, ${N}]`);
  let ts: number[];
  switch (config.timestepSpacing) {
    case 'leading': {
      const ratio = Math.floor(N / steps);
      ts = Array.from({ length: steps }, (_, i) => i * ratio + config.stepsOffset);
      break;
    }
    case 'trailing':
      ts = Array.from({ length: steps }, (_, i) => roundHalfEven(N - (i * N) / steps) - 1).reverse();
      break;
    case 'linspace':
      ts = Array.from({ length: steps }, (_, i) => (steps === 1 ? 0 : (i * (N - 1)) / (steps - 1))).map((t) => (integer ? roundHalfEven(t) : t));
      break;
  }
  // Leading spacing with an offset can step past the schedule (e.g. 1000 steps, offset 1 → t = 1000); diffusers would index out of range.
  const last = Math.max(...ts);
  if (last > N - 1) throw new RangeError(`steps = ${steps} with ${config.timestepSpacing} spacing and steps_offset ${config.stepsOffset} reaches t = ${last}, past the last training timestep ${N - 1}`);
  return ts.reverse();
}
