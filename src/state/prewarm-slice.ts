import type { StateCreator } from 'zustand';
import type { DynamicsVariant } from '../dynamics/dynamics-file';
import type { SaeConfig } from '../sae/sae-config';
import type { PrewarmProgress, PrewarmRequest } from '../worker/jobs/prewarm-job';
import { DEFAULT_RECORDED_STEPS } from './collect-settings';
import { currentProject } from './project-slice';
import { runtimeClient } from './runtime-client';
import { SAE_FORM_DEFAULTS, saeFormConfig } from './sae-form';
import type { LabState } from './store';

/** `compiled` counts the pipelines this prewarm compiled itself (0: all were ready before it). */
export type PrewarmStatus =
  | { state: 'compiling'; key: string; compiled: number; total: number | null }
  | { state: 'ready'; key: string; pipelines: number; compiled: number; seconds: number }
  | { state: 'failed'; key: string };

export interface PrewarmSlice {
  /** The kernels compiled once per device, after the model is ready (idle until then, and again after the device is lost). */
  kernels: PrewarmStatus | { state: 'idle' };
  /** The pipelines compiled for a page's flow at the open project's sizes, by flow. */
  prewarm: Partial<Record<'fit' | 'train', PrewarmStatus>>;
  /**
   * Compiles, once per page load and again on the new device after a loss, the fit's and the SAE page's default
   * training pipelines at the loaded model's default block, so that by the
   * time a researcher reaches those pages nothing is left to compile.
   */
  prewarmKernels: () => void;
  /** Starts compiling a flow's pipelines for the open project (once per project and sizes). */
  prewarmFlow: (flow: { flow: 'fit'; variant: DynamicsVariant } | { flow: 'train'; config: SaeConfig }) => void;
}

export const createPrewarmSlice: StateCreator<LabState, [], [], PrewarmSlice> = (set, get) => {
  /** Counts lost devices: a job started on an earlier device reports nothing (its pipelines are gone with it). */
  let device = 0;
  // The new worker's device has none of the old one's pipelines: compile them again once the model is ready there (App's idle call).
  runtimeClient.onDeviceLost(() => {
    device++;
    set({ kernels: { state: 'idle' }, prewarm: {} });
  });
  /** Runs a prewarm job, reporting its status through `report` while the device it runs on is the current one. */
  const run = (key: string, request: PrewarmRequest, report: (status: PrewarmStatus) => void) => {
    const started = device;
    const reportHere = (status: PrewarmStatus) => {
      if (started === device) report(status);
    };
    reportHere({ state: 'compiling', key, compiled: 0, total: null });
    const onProgress = (m: PrewarmProgress) => reportHere({ state: 'compiling', key, compiled: m.compiled, total: m.total });
    runtimeClient.runJob('prewarm', request, onProgress).then(
      (m) => reportHere({ state: 'ready', key, pipelines: m.pipelines, compiled: m.compiled, seconds: m.seconds }),
      () => reportHere({ state: 'failed', key }),
    );
  };
  return {
    kernels: { state: 'idle' },
    prewarm: {},
    prewarmKernels: () => {
      const model = get().model;
      if (get().kernels.state !== 'idle' || model.state !== 'ready') return;
      const hook = model.info.hooks.find((h) => h.default) ?? model.info.hooks.find((h) => h.path === model.info.hook);
      if (!hook) return;
      const sizes = { S: DEFAULT_RECORDED_STEPS, P: hook.height * hook.width, d: hook.channels };
      const config = saeFormConfig(SAE_FORM_DEFAULTS, sizes.S * sizes.d);
      run('start', { flow: 'start', sizes, variant: 'full', config }, (status) => set({ kernels: status }));
    },
    prewarmFlow: (flow) => {
      const project = currentProject(get());
      if (!project) return;
      const key = `${project.id} ${project.collect?.at} ${project.dynamics?.at} ${JSON.stringify(flow)}`;
      if (get().prewarm[flow.flow]?.key === key) return;
      run(key, { projectId: project.id, ...flow }, (status) => set((s) => ({ prewarm: { ...s.prewarm, [flow.flow]: status } })));
    },
  };
};
