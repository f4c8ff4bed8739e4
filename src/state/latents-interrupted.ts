/**
 * Which of the Latents page's jobs a lost GPU device interrupted, per
 * project, until each runs again (the page then says so, with Run again).
 */
import { isDeviceLost } from '../worker/job-error';
import type { LabState } from './store';

/** The Latents page's jobs that a lost device can interrupt (the open latent's maps include its random examples and co-firing latents). */
export type LatentsJob = 'table' | 'labels' | 'maps';

/** What the Latents page says when a lost device stopped one of its jobs (a Run again button follows). */
export const LATENTS_INTERRUPTED = 'Reading the latents was interrupted by a lost GPU device; nothing of it was kept —';

type SetInterrupted = (change: (s: LabState) => Pick<LabState, 'latentsInterrupted'>) => void;

/** Whether `error` is a lost GPU device; if it is, the project's `job` is marked interrupted (the page offers Run again). */
export function interruptedBy(set: SetInterrupted, job: LatentsJob, error: unknown, projectId: string): boolean {
  if (isDeviceLost(error)) set((s) => ({ latentsInterrupted: { ...s.latentsInterrupted, [job]: projectId } }));
  return isDeviceLost(error);
}

/** `job` runs again (asked for by the page, not only by Run again): it is no longer interrupted. */
export function rerunning(set: SetInterrupted, job: LatentsJob): void {
  set((s) => {
    if (s.latentsInterrupted[job] === undefined) return s;
    const { [job]: _rerun, ...others } = s.latentsInterrupted;
    return { latentsInterrupted: others };
  });
}
