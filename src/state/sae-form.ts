import { resolveSaeConfig, runScaledDefaults, type SaeActivation, type SaeConfig } from '../sae/sae-config';
import type { TrainRequest } from './sae-slice';

/** What the SAE page's form sets: the config's fields a researcher picks, and the run's length. */
export interface SaeForm {
  activation: SaeActivation;
  latents: number;
  k: number;
  steps: number;
  batchSize: number;
  lr: number;
  l1Coefficient: number;
  seed: number;
  metricsEvery: number;
}

/**
 * The form a project's first training run starts from. The kernels compiled
 * in idle time after the model loads are this config's (the pipelines depend
 * on the sizes — latents, k, batch — not on the step count), and the example
 * run trains with it too, for fewer steps.
 */
export const SAE_FORM_DEFAULTS: SaeForm = { activation: 'batchtopk', latents: 128, k: 8, steps: 300, batchSize: 256, lr: 1e-3, l1Coefficient: 1e-3, seed: 0, metricsEvery: 10 };

/** The validated config of a form for dIn inputs per token; throws SaeConfigError naming every bad field. */
export function saeFormConfig(form: SaeForm, dIn: number): SaeConfig {
  const { steps, ...fields } = form;
  return resolveSaeConfig({ ...runScaledDefaults(steps, form.batchSize), ...fields, dIn });
}

/** A new training run of a form: its config, length, and a checkpoint about every tenth of the run. */
export function saeFormRequest(form: SaeForm, dIn: number): TrainRequest {
  return { config: saeFormConfig(form, dIn), steps: form.steps, checkpointEvery: Math.max(form.metricsEvery, Math.round(form.steps / 10)) };
}
