import { alphasCumprod, inferenceTimesteps, type SchedulerConfig } from './schedule';
import type { Scheduler } from './scheduler';

/**
 * Euler discrete (Karras et al. 2022, Algorithm 2 with s_churn = 0; diffusers
 * `EulerDiscreteScheduler`): σ_t = √((1−ᾱ_t)/ᾱ_t) interpolated linearly at the
 * (possibly fractional) timesteps, σ = 0 appended; the UNet sees x/√(σ²+1);
 *   x̂_0 = x − σ·ε,   x_next = x + (x − x̂_0)/σ · (σ_next − σ).
 */
export function createEuler(config: SchedulerConfig, steps: number): Scheduler {
  const ac = alphasCumprod(config);
  const timesteps = inferenceTimesteps(config, steps, false);
  const sigmaAt = (t: number) => {
    const lo = Math.floor(t);
    const hi = Math.min(lo + 1, ac.length - 1);
    const s = (i: number) => Math.sqrt((1 - ac[i]) / ac[i]);
    return s(lo) + (t - lo) * (s(hi) - s(lo));
  };
  const sigmas = [...timesteps.map(sigmaAt), 0];
  const maxSigma = Math.max(...sigmas);
  // diffusers: init_noise_sigma = σ_max for linspace/trailing spacing, √(σ_max² + 1) for leading.
  const initNoiseSigma = config.timestepSpacing === 'leading' ? Math.sqrt(maxSigma * maxSigma + 1) : maxSigma;
  return {
    name: 'euler',
    config,
    timesteps,
    initNoiseSigma,
    scaleModelInput(sample, call) {
      const scale = 1 / Math.sqrt(sigmas[call] ** 2 + 1);
      return sample.map((v) => v * scale);
    },
    step(output, call, sample) {
      if (!Number.isInteger(call) || call < 0 || call >= timesteps.length) throw new RangeError(`Euler: call = ${call} must be an integer in [0, ${timesteps.length - 1}]`);
      const sigma = sigmas[call];
      const dt = sigmas[call + 1] - sigma;
      const out = new Float32Array(sample.length);
      const c = 1 / (sigma * sigma + 1);
      for (let i = 0; i < sample.length; i++) {
        // x̂_0 per prediction type (EulerDiscreteScheduler.step): ε → x − σε; v → c_out·v + c_skip·x; sample → the output itself.
        const x0 =
          config.predictionType === 'epsilon' ? sample[i] - sigma * output[i] : config.predictionType === 'v_prediction' ? output[i] * (-sigma * Math.sqrt(c)) + sample[i] * c : output[i];
        out[i] = sample[i] + ((sample[i] - x0) / sigma) * dt;
      }
      return out;
    },
    snapshot: () => ({}),
    restore: () => {},
  };
}
