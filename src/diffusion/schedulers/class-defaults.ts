/**
 * Defaults that differ between diffusers' scheduler classes, and how a
 * config is read by the class being built. diffusers' `from_config` fills a
 * field the file leaves out from the defaults of the class it builds, not of
 * the class the file names: SD 1.5's scheduler_config.json names
 * PNDMScheduler and has no `timestep_spacing`, so built as
 * EulerDiscreteScheduler it runs linspace spacing (999 … 0), not leading.
 * Values: each class's `__init__` defaults in diffusers' current release.
 */
import type { SchedulerConfig } from './schedule';
import type { SchedulerName } from './scheduler';

/** The SchedulerConfig fields whose default depends on the class. */
export type ClassDependentField = 'timestepSpacing' | 'setAlphaToOne' | 'clipSample' | 'skipPrkSteps';

const CLASS_DEFAULTS: Record<SchedulerName, Pick<SchedulerConfig, ClassDependentField>> = {
  // DDIMScheduler: set_alpha_to_one=True, clip_sample=True, timestep_spacing="leading".
  ddim: { timestepSpacing: 'leading', setAlphaToOne: true, clipSample: true, skipPrkSteps: false },
  // EulerDiscreteScheduler: timestep_spacing="linspace"; it has none of the other three.
  euler: { timestepSpacing: 'linspace', setAlphaToOne: true, clipSample: false, skipPrkSteps: false },
  // PNDMScheduler: set_alpha_to_one=False, skip_prk_steps=False, timestep_spacing="leading".
  pndm: { timestepSpacing: 'leading', setAlphaToOne: false, clipSample: false, skipPrkSteps: false },
};

/** The scheduler a diffusers class name stands for (PNDMScheduler → pndm, Euler… → euler), DDIM for any other. */
export function schedulerOfClass(className: string): SchedulerName {
  if (/^PNDM/.test(className)) return 'pndm';
  if (/^Euler/.test(className)) return 'euler';
  return 'ddim';
}

/** Defaults of the class-dependent fields for the class `name` builds. */
export function classDefaults(name: SchedulerName): Pick<SchedulerConfig, ClassDependentField> {
  return CLASS_DEFAULTS[name];
}

/** `config` as `from_config` reads it for scheduler `name`: the fields the file left out take that class's defaults. */
export function asBuiltBy(name: SchedulerName, config: SchedulerConfig): SchedulerConfig {
  const defaults = classDefaults(name);
  const filled = Object.fromEntries(config.defaulted.map((field) => [field, defaults[field]]));
  return { ...config, ...filled };
}
