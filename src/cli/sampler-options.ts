import type { SamplerSettings } from '../diffusion/denoise';
import type { DiffusionModel } from '../diffusion/diffusion-model';
import { SCHEDULER_NAMES } from '../diffusion/schedulers';
import { choiceOption, numberOption, type OptionSpec, type OptionValues } from './options';

export const samplerOptions: OptionSpec = {
  steps: { type: 'string', help: "denoising steps (default: the model's)" },
  guidance: { type: 'string', help: "classifier-free guidance scale (default: the model's; 1 = no guidance)" },
  scheduler: { type: 'string', help: `${SCHEDULER_NAMES.join(' | ')} (default: the model's)` },
};

/** Steps, guidance and scheduler from the options, defaulting to the model manifest's sampler. */
export function parseSampler(verb: string, v: OptionValues, model: Pick<DiffusionModel, 'manifest'>): SamplerSettings {
  const defaults = model.manifest.sampler;
  return {
    scheduler: choiceOption(verb, v, 'scheduler', SCHEDULER_NAMES, defaults.name),
    steps: numberOption(verb, v, 'steps', { default: defaults.steps, min: 1, integer: true }),
    guidance: numberOption(verb, v, 'guidance', { default: defaults.guidanceScale, min: 0 }),
  };
}
