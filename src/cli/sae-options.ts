import { runScaledDefaults, SAE_ACTIVATIONS, SAE_DEFAULTS, type SaeConfig } from '../sae/sae-config';
import { choiceOption, numberOption, type OptionSpec, type OptionValues } from './options';

/** The SAE settings `train` and `ablation` share. */
export const saeSettingOptions: OptionSpec = {
  latents: { type: 'string', help: 'number of latents m' },
  k: { type: 'string', help: 'active latents per token (default 32)' },
  steps: { type: 'string', help: 'training steps' },
  batch: { type: 'string', help: 'tokens per step (default 1024)' },
  seed: { type: 'string', help: 'seed of the initialisation and data order (default 0)' },
  activation: { type: 'string', help: `${SAE_ACTIVATIONS.join(' | ')} (default batchtopk)` },
  lr: { type: 'string', help: `Adam learning rate (default ${SAE_DEFAULTS.lr})` },
  warmup: { type: 'string', help: 'learning-rate warm-up steps (default: 5% of --steps, at most 1000)' },
  'dead-after': { type: 'string', help: 'tokens without firing after which a latent counts as dead and gets AuxK (default: a tenth of the tokens trained on, at most 10M)' },
  'l1-coefficient': { type: 'string', help: 'L1 weight for --activation relu' },
  'metrics-every': { type: 'string', help: 'steps between metric readbacks (default 50)' },
};

/** Parsed SAE settings (dIn is the caller's to set) and the step count. */
export function parseSaeSettings(verb: string, v: OptionValues): { steps: number; sae: Partial<SaeConfig> & Pick<SaeConfig, 'latents' | 'k' | 'batchSize'> } {
  const steps = numberOption(verb, v, 'steps', { min: 1, integer: true });
  const batchSize = numberOption(verb, v, 'batch', { default: 1024, min: 1, integer: true });
  const scaled = runScaledDefaults(steps, batchSize);
  return {
    steps,
    sae: {
      latents: numberOption(verb, v, 'latents', { min: 1, integer: true }),
      k: numberOption(verb, v, 'k', { default: 32, min: 1, integer: true }),
      batchSize,
      seed: numberOption(verb, v, 'seed', { default: 0, min: 0, integer: true }),
      activation: choiceOption(verb, v, 'activation', SAE_ACTIVATIONS, 'batchtopk'),
      lr: numberOption(verb, v, 'lr', { default: SAE_DEFAULTS.lr, min: 0 }),
      warmupSteps: numberOption(verb, v, 'warmup', { default: scaled.warmupSteps, min: 0, integer: true }),
      deadAfterTokens: numberOption(verb, v, 'dead-after', { default: scaled.deadAfterTokens, min: 1, integer: true }),
      l1Coefficient: numberOption(verb, v, 'l1-coefficient', { default: SAE_DEFAULTS.l1Coefficient, min: 0 }),
      metricsEvery: numberOption(verb, v, 'metrics-every', { default: 50, min: 1, integer: true }),
    },
  };
}
