import type { StateCreator } from 'zustand';
import type { DynamicsVariant } from '../dynamics/dynamics-file';
import type { SaeConfig } from '../sae/sae-config';
import { currentProject } from './project-slice';
import { runtimeClient } from './runtime-client';
import type { LabState } from './store';

export type PrewarmStatus = { state: 'compiling'; key: string } | { state: 'ready'; key: string; pipelines: number; seconds: number } | { state: 'failed'; key: string };

export interface PrewarmSlice {
  /** The pipelines compiled ahead for a flow, by flow. */
  prewarm: Partial<Record<'fit' | 'train', PrewarmStatus>>;
  /** Starts compiling a flow's pipelines for the open project (once per project and sizes). */
  prewarmFlow: (flow: { flow: 'fit'; variant: DynamicsVariant } | { flow: 'train'; config: SaeConfig }) => void;
}

export const createPrewarmSlice: StateCreator<LabState, [], [], PrewarmSlice> = (set, get) => ({
  prewarm: {},
  prewarmFlow: (flow) => {
    const project = currentProject(get());
    if (!project) return;
    const key = `${project.id} ${project.collect?.at} ${project.dynamics?.at} ${JSON.stringify(flow)}`;
    if (get().prewarm[flow.flow]?.key === key) return;
    set((s) => ({ prewarm: { ...s.prewarm, [flow.flow]: { state: 'compiling', key } } }));
    runtimeClient.runJob('prewarm', { projectId: project.id, ...flow }).then(
      (m) => set((s) => ({ prewarm: { ...s.prewarm, [flow.flow]: { state: 'ready', key, pipelines: m.pipelines, seconds: m.seconds } } })),
      () => set((s) => ({ prewarm: { ...s.prewarm, [flow.flow]: { state: 'failed', key } } })),
    );
  },
});
