import { alphasCumprod, inferenceTimesteps, type SchedulerConfig } from './schedule';
import type { Scheduler } from './scheduler';

/**
 * DDIM with η = 0 (Song et al. 2021, eq. 12; diffusers `DDIMScheduler.step`):
 *   x̂_0 = (x_t − √(1−ᾱ_t)·ε) / √ᾱ_t,   x_prev = √ᾱ_prev·x̂_0 + √(1−ᾱ_prev)·ε
 * with prev = t − ⌊N/steps⌋, ᾱ_prev = ᾱ_0 or 1 (set_alpha_to_one) past the start.
 */
export function createDdim(config: SchedulerConfig, steps: number): Scheduler {
  const ac = alphasCumprod(config);
  const final = config.setAlphaToOne ? 1 : ac[0];
  const timesteps = inferenceTimesteps(config, steps, true);
  const stride = Math.floor(config.numTrainTimesteps / steps);
  return {
    name: 'ddim',
    config,
    timesteps,
    initNoiseSigma: 1,
    scaleModelInput: (sample) => sample,
    step(output, call, sample) {
      if (!Number.isInteger(call) || call < 0 || call >= timesteps.length) throw new RangeError(`DDIM: call = ${call} must be an integer in [0, ${timesteps.length - 1}]`);
      const t = timesteps[call];
      const prev = t - stride;
      const aT = ac[t];
      const aPrev = prev >= 0 ? ac[prev] : final;
      const sa = Math.sqrt(aT);
      const sb = Math.sqrt(1 - aT);
      const out = new Float32Array(sample.length);
      for (let i = 0; i < sample.length; i++) {
        let x0: number;
        let eps: number;
        switch (config.predictionType) {
          case 'epsilon':
            eps = output[i];
            x0 = (sample[i] - sb * eps) / sa;
            break;
          case 'v_prediction':
            x0 = sa * sample[i] - sb * output[i];
            eps = sa * output[i] + sb * sample[i];
            break;
          case 'sample':
            x0 = output[i];
            eps = (sample[i] - sa * x0) / sb;
            break;
        }
        if (config.clipSample) x0 = Math.min(config.clipSampleRange, Math.max(-config.clipSampleRange, x0));
        out[i] = Math.sqrt(aPrev) * x0 + Math.sqrt(1 - aPrev) * eps;
      }
      return out;
    },
    snapshot: () => ({}),
    restore: () => {},
  };
}
