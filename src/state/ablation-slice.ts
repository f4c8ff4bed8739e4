import type { StateCreator } from 'zustand';
import type { RuntimeRequest } from '../worker/runtime-protocol';
import { currentProject } from './project-slice';
import { runtimeClient } from './runtime-client';
import type { LabState } from './store';

export interface AblationJob {
  projectId: string;
  requestId: number;
  arm: string;
  phase: string;
  /** 0..1 over the four arms. */
  fraction: number;
}

export interface AblationSlice {
  ablationJob: AblationJob | null;
  startAblation: (sae: Extract<RuntimeRequest, { type: 'ablation' }>['sae'], steps: number) => void;
  cancelAblation: () => void;
}

const PHASES = ['fit', 'train', 'eval'];

export const createAblationSlice: StateCreator<LabState, [], [], AblationSlice> = (set, get) => ({
  ablationJob: null,
  startAblation: (sae, steps) => {
    const project = currentProject(get());
    if (!project?.collect || project.collect.state !== 'done') return;
    const projectId = project.id;
    const collectAt = project.collect.at;
    const requestId = runtimeClient.send({ type: 'ablation', projectId, sae, steps }, (m, done) => {
      const job = get().ablationJob;
      if (m.type === 'ablation-arm' && job) {
        set({ ablationJob: { ...job, arm: m.arm, phase: m.phase, fraction: (m.index + PHASES.indexOf(m.phase) / PHASES.length) / m.arms } });
      } else if (m.type === 'ablation-done') {
        done();
        set({ ablationJob: null });
        get().updateProject(projectId, (p) => ({ ...p, ablation: { rows: m.rows, latents: sae.latents, k: sae.k, steps, seconds: m.seconds, collectAt } }));
      } else if (m.type === 'error') {
        done();
        set({ ablationJob: null });
        if (!m.cancelled) get().reportError('Ablation', m.message);
      }
    });
    set({ ablationJob: { projectId, requestId, arm: '', phase: 'starting', fraction: 0 } });
  },
  cancelAblation: () => {
    const job = get().ablationJob;
    if (job) runtimeClient.cancel(job.requestId);
  },
});
