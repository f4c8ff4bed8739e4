import type { SchedulerConfig } from './schedule';

export type SchedulerName = 'ddim' | 'euler' | 'pndm';
export const SCHEDULER_NAMES: readonly SchedulerName[] = ['ddim', 'euler', 'pndm'];

/** Internal state of a run in progress (PNDM's history), copied so a run can restart from a cached call. */
export type SchedulerState = Readonly<Record<string, unknown>>;

/**
 * A sampler over latents stored as flat f32 arrays (elementwise maths,
 * float64 scalars). One `step` per UNet call, calls numbered from 0.
 */
export interface Scheduler {
  readonly name: SchedulerName;
  readonly config: SchedulerConfig;
  /** The UNet's timestep at each call, in call order. */
  readonly timesteps: readonly number[];
  /** Initial latents are N(0, 1) times this. */
  readonly initNoiseSigma: number;
  /** The UNet's `sample` input at call i from the current latent. */
  scaleModelInput(sample: Float32Array, call: number): Float32Array;
  /** The latent after call i from the (guided) model output at call i. */
  step(modelOutput: Float32Array, call: number, sample: Float32Array): Float32Array;
  snapshot(): SchedulerState;
  restore(state: SchedulerState): void;
}
