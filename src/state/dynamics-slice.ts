import type { StateCreator } from 'zustand';
import { DYNAMICS_VARIANTS, type DynamicsVariant } from '../dynamics/dynamics-file';
import { currentProject } from './project-slice';
import { runtimeClient } from './runtime-client';
import { isDeviceLost } from '../worker/job-error';
import type { LabState } from './store';

export interface FitJob {
  projectId: string;
  stage: string;
  /** 0..1 over every variant being fitted. */
  fraction: number;
}

export interface FitRequest {
  variant: DynamicsVariant;
  lambda: number | null;
  heldoutFraction: number;
  /** Fit every variant too, for the side-by-side chart (the chosen one is still the one saved). */
  compare: boolean;
}

export interface DynamicsSlice {
  fitJob: FitJob | null;
  /** The project whose fit a lost GPU device interrupted (nothing of it is kept: it runs again), until the next fit starts. */
  fitInterrupted: string | null;
  startFit: (request: FitRequest) => void;
  cancelFit: () => void;
}

/** Cancels the running fit (kept out of the store). */
let fitCancel: AbortController | null = null;

export const createDynamicsSlice: StateCreator<LabState, [], [], DynamicsSlice> = (set, get) => ({
  fitJob: null,
  fitInterrupted: null,
  startFit: ({ variant, lambda, heldoutFraction, compare }) => {
    const project = currentProject(get());
    if (!project?.collect || project.collect.state !== 'done') return;
    const projectId = project.id;
    const collectAt = project.collect.at;
    const variants = compare ? [variant, ...DYNAMICS_VARIANTS.filter((v) => v !== variant)] : [variant];
    const cancel = (fitCancel = new AbortController());
    // Said at once: the worker's first tick comes after the first chunk of trajectories is read.
    set({ fitJob: { projectId, stage: 'reading trajectories…', fraction: 0 }, fitInterrupted: null });
    runtimeClient
      .runJob(
        'fit',
        { projectId, variants, lambda, heldoutFraction },
        (m) => {
          const job = get().fitJob;
          if (job) set({ fitJob: { ...job, stage: m.stage, fraction: m.total ? m.loaded / m.total : 0 } });
        },
        { signal: cancel.signal },
      )
      .then(
        (m) => {
          set({ fitJob: null });
          get().updateProject(projectId, (p) => ({ ...p, dynamics: { variant, lambda, heldoutFraction, results: m.results, seconds: m.seconds, collectAt, at: Date.now() } }));
          void get().measureProject(projectId);
        },
        (error: unknown) => {
          set({ fitJob: null, fitInterrupted: isDeviceLost(error) ? projectId : null });
          get().reportJobError('Dynamics', error);
        },
      );
  },
  cancelFit: () => fitCancel?.abort(),
});
