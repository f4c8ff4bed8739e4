import type { StateCreator } from 'zustand';
import type { SaeConfig } from '../sae/sae-config';
import type { SaeRecord } from './project-record';
import { currentProject } from './project-slice';
import { runtimeClient } from './runtime-client';
import type { LabState } from './store';

export interface TrainJob {
  projectId: string;
  requestId: number;
  /** A pause or stop was asked for and the run is finishing its step. */
  stopping: boolean;
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
    const requestId = runtimeClient.send({ type: 'train', projectId, config, steps, checkpointEvery, resume }, (m, done) => {
      if (m.type === 'metrics') {
        const { stepLosses: _losses, ...window } = m.metrics;
        // A resumed run repeats the windows after its checkpoint: keep each step once.
        update((s) => ({ step: window.step, seconds: elapsed(), history: [...s.history.filter((h) => h.step < window.step), window] }));
      } else if (m.type === 'trained') {
        done();
        set({ trainJob: null });
        update(() => ({ state: m.state === 'paused' ? 'paused' : 'done', step: m.step, seconds: elapsed(), at: m.state === 'finished' ? Date.now() : 0, ...(m.evaluation ? { evaluation: m.evaluation } : {}) }));
        void get().measureProject(projectId);
      } else if (m.type === 'error') {
        done();
        set({ trainJob: null });
        update(() => ({ state: 'failed', seconds: elapsed(), reason: m.cancelled ? 'Training was cancelled.' : m.message }));
        if (!m.cancelled) get().reportError('SAE training', m.message);
      }
    });
    set({ trainJob: { projectId, requestId, stopping: false } });
  },
  stopTraining: (mode) => {
    const job = get().trainJob;
    if (!job) return;
    runtimeClient.stop(job.requestId, mode);
    set({ trainJob: { ...job, stopping: true } });
  },
});
