import { asBuiltBy, schedulerOfClass } from './class-defaults';
import { createDdim } from './ddim';
import { createEuler } from './euler';
import { createPndm } from './pndm';
import type { SchedulerConfig } from './schedule';
import { SCHEDULER_NAMES, type Scheduler, type SchedulerName } from './scheduler';

export { parseSchedulerConfig, type SchedulerConfig } from './schedule';
export { SCHEDULER_NAMES, type Scheduler, type SchedulerName, type SchedulerState } from './scheduler';

/** A fresh scheduler for one run of `steps` denoising steps; fields the config file left out take this scheduler's defaults. */
export function createScheduler(name: SchedulerName, config: SchedulerConfig, steps: number): Scheduler {
  switch (name) {
    case 'ddim':
      return createDdim(asBuiltBy(name, config), steps);
    case 'euler':
      return createEuler(asBuiltBy(name, config), steps);
    case 'pndm':
      return createPndm(asBuiltBy(name, config), steps);
    default:
      throw new RangeError(`scheduler "${String(name)}" is unknown. Should be one of: ${SCHEDULER_NAMES.join(', ')}`);
  }
}

/** The scheduler a config's diffusers class names (PNDMScheduler → pndm, …), DDIM when it names another. */
export function defaultSchedulerName(config: SchedulerConfig): SchedulerName {
  return schedulerOfClass(config.className);
}
