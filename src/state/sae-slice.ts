import type { StateCreator } from 'zustand';
import type { SaeConfig } from '../sae/sae-config';
import type { SaeTrainingMetrics } from '../sae/train/metrics';
import type { SaeRecord } from './project-record';
import { labelNewSae } from './new-sae-labels';
import { currentProject } from './project-slice';
import { JobStopper, runtimeClient } from './runtime-client';
import { isCancelled, isDeviceLost } from '../worker/job-error';
import type { LabState } from './store';

export interface TrainJob {
  projectId: string;
  /** A pause or stop was asked for and the run is finishing its step. */
  stopping: boolean;
  /** What the run does while no step is reported: starting (kernels, uploads), or measuring the trained SAE; null while stepping. */
  activity: string | null;
}

export interface TrainRequest {
  config: SaeConfig;
  steps: number;
  checkpointEvery: number;
}

export interface SaeSlice {
  trainJob: TrainJob | null;
  /** A new run (resume false) or the paused one continued. */
  startTraining: (request: TrainRequest, resume: boolean) => void;
  /** 'pause' keeps a checkpoint to resume; 'finish' saves the SAE as trained so far. */
  stopTraining: (mode: 'pause' | 'finish') => void;
}

/** Ends the running training run early (kept out of the store). */
let trainStopper: JobStopper | null = null;

export const createSaeSlice: StateCreator<LabState, [], [], SaeSlice> = (set, get) => ({
  trainJob: null,
  startTraining: ({ config, steps, checkpointEvery }, resume) => {
    const project = currentProject(get());
    if (!project?.dynamics) return;
    const projectId = project.id;
    const previous = resume ? project.sae : null;
    const started = performance.now();
    const secondsBefore = previous?.seconds ?? 0;
    const elapsed = () => secondsBefore + (performance.now() - started) / 1000;
    const dynamicsAt = project.dynamics.at;
    get().updateProject(projectId, (p) => ({
      ...p,
      sae: { config, steps, checkpointEvery, state: 'running', step: previous?.step ?? 0, history: previous?.history ?? [], seconds: secondsBefore, dynamicsAt, at: 0 },
    }));
    const update = (change: (s: SaeRecord) => Partial<SaeRecord>) =>
      get().updateProject(projectId, (p) => (p.sae ? { ...p, sae: { ...p.sae, ...change(p.sae) } } : p));
    const stopper = (trainStopper = new JobStopper());
    set({ trainJob: { projectId, stopping: false, activity: 'compiling kernels and uploading the trajectories…' } });
    const onMetrics = ({ metrics }: { metrics: SaeTrainingMetrics }) => {
      const { stepLosses: _losses, ...window } = metrics;
      // A resumed run repeats the windows after its checkpoint: keep each step once.
      update((s) => ({ step: window.step, seconds: elapsed(), history: [...s.history.filter((h) => h.step < window.step), window] }));
      const job = get().trainJob;
      if (job) set({ trainJob: { ...job, activity: window.step >= steps ? 'measuring the trained SAE on every token…' : null } });
    };
    runtimeClient.runJob('train', { projectId, config, steps, checkpointEvery, resume }, onMetrics, { stopper }).then(
      (m) => {
        set({ trainJob: null });
        update(() => ({ state: m.state === 'paused' ? 'paused' : 'done', step: m.step, seconds: elapsed(), at: m.state === 'finished' ? Date.now() : 0, ...(m.evaluation ? { evaluation: m.evaluation } : {}) }));
        void get().measureProject(projectId);
        labelNewSae(get(), projectId);
      },
      (error: unknown) => {
        set({ trainJob: null });
        if (isDeviceLost(error) && error.resumeFrom !== undefined) {
          // Paused at the last checkpoint: the windows after it are trained again on Resume.
          const step = error.resumeFrom;
          update((s) => ({ state: 'paused', step, history: s.history.filter((h) => h.step <= step), seconds: elapsed(), reason: `Paused by a lost GPU device — Resume continues from the checkpoint at step ${step}.` }));
        } else update(() => ({ state: 'failed', seconds: elapsed(), reason: isCancelled(error) ? 'Training was cancelled.' : (error as Error).message }));
        get().reportJobError('SAE training', error);
      },
    );
  },
  stopTraining: (mode) => {
    const job = get().trainJob;
    if (!job) return;
    trainStopper?.stop(mode);
    set({ trainJob: { ...job, stopping: true } });
  },
});
