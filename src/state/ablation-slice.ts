import type { StateCreator } from 'zustand';
import type { AblationRequest } from '../worker/jobs/ablation-job';
import { currentProject } from './project-slice';
import { runtimeClient } from './runtime-client';
import type { LabState } from './store';

export interface AblationJob {
  projectId: string;
  arm: string;
  phase: string;
  /** 0..1 over the four arms. */
  fraction: number;
}

export interface AblationSlice {
  ablationJob: AblationJob | null;
  startAblation: (sae: AblationRequest['sae'], steps: number) => void;
  cancelAblation: () => void;
}

const PHASES = ['fit', 'train', 'eval'];

/** Cancels the running ablation (kept out of the store). */
let ablationCancel: AbortController | null = null;

export const createAblationSlice: StateCreator<LabState, [], [], AblationSlice> = (set, get) => ({
  ablationJob: null,
  startAblation: (sae, steps) => {
    const project = currentProject(get());
    if (!project?.collect || project.collect.state !== 'done') return;
    const projectId = project.id;
    const collectAt = project.collect.at;
    const cancel = (ablationCancel = new AbortController());
    set({ ablationJob: { projectId, arm: '', phase: 'starting', fraction: 0 } });
    runtimeClient
      .runJob(
        'ablation',
        { projectId, sae, steps },
        (m) => {
          const job = get().ablationJob;
          if (job) set({ ablationJob: { ...job, arm: m.arm, phase: m.phase, fraction: (m.index + PHASES.indexOf(m.phase) / PHASES.length) / m.arms } });
        },
        { signal: cancel.signal },
      )
      .then(
        (m) => {
          set({ ablationJob: null });
          get().updateProject(projectId, (p) => ({ ...p, ablation: { rows: m.rows, latents: sae.latents, k: sae.k, steps, seconds: m.seconds, collectAt } }));
        },
        (error: unknown) => {
          set({ ablationJob: null });
          get().reportJobError('Ablation', error);
        },
      );
  },
  cancelAblation: () => ablationCancel?.abort(),
});
