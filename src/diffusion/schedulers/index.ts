import { createDdim } from './ddim';
import { createEuler } from './euler';
import { createPndm } from './pndm';
import type { SchedulerConfig } from './schedule';
import { SCHEDULER_NAMES, type Scheduler, type SchedulerName } from './scheduler';

export { parseSchedulerConfig, type SchedulerConfig } from './schedule';
export { SCHEDULER_NAMES, type Scheduler, type SchedulerName, type SchedulerState } from './scheduler';

/** A fresh scheduler for one run of `steps` denoising steps. */
export function createScheduler(name: SchedulerName, config: SchedulerConfig, steps: number): Scheduler {
  switch (name) {
    case 'ddim':
      return createDdim(config, steps);
    case 'euler':
      return createEuler(config, steps);
    case 'pndm':
      return createPndm(config, steps);
    default:
      throw new RangeError(`scheduler "${String(name)}" is unknown. Should be one of: ${SCHEDULER_NAMES.join(', ')}`);
  }
}

/** The scheduler a config's diffusers class names (PNDMScheduler → pndm, …), DDIM when it names another. */
export function defaultSchedulerName(config: SchedulerConfig): SchedulerName {
  if (/^PNDM/.test(config.className)) return 'pndm';
  if (/^Euler/.test(config.className)) return 'euler';
  return 'ddim';
}
