import type { StateCreator } from 'zustand';
import { isCancelled, isDeviceLost, JobError } from '../worker/job-error';
import type { LabState } from './store';

/** One problem shown in the error banner. Repeats of the same message are counted, not stacked. */
export interface BannerEntry {
  id: number;
  /** What was running: "GPU device", "Self-test", "Page"… */
  source: string;
  message: string;
  /** What to do about it (a job's error carries one by kind), or null. */
  hint: string | null;
  count: number;
}

export interface BannerSlice {
  banner: BannerEntry[];
  /** Puts `error` in the banner: the single place GPU errors, device loss and failed actions reach the user. */
  reportError: (source: string, error: unknown) => void;
  /**
   * A job's failure in the banner. A cancelled job is no failure and is not reported; nor is one
   * stopped by a lost GPU device: the banner says that once (gpu-slice) and the job's stage says what it kept.
   */
  reportJobError: (source: string, error: unknown) => void;
  dismissError: (id: number) => void;
}

let nextId = 1;

export const createBannerSlice: StateCreator<LabState, [], [], BannerSlice> = (set, get) => ({
  banner: [],
  reportJobError: (source, error) => {
    if (!isCancelled(error) && !isDeviceLost(error)) get().reportError(source, error);
  },
  reportError: (source, error) => {
    const message = error instanceof Error ? error.message : String(error);
    const hint = error instanceof JobError ? error.hint : null;
    // A failure that repeats (a self-test rerun, an error every frame) is one entry with a count.
    set(({ banner }) => {
      const same = banner.find((e) => e.source === source && e.message === message);
      if (same) return { banner: banner.map((e) => (e === same ? { ...e, count: e.count + 1 } : e)) };
      return { banner: [...banner, { id: nextId++, source, message, hint, count: 1 }] };
    });
  },
  dismissError: (id) => set(({ banner }) => ({ banner: banner.filter((e) => e.id !== id) })),
});
