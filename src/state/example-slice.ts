/**
 * "Run the example": the toy model's attribute grid through collect → fit →
 * train in one click, with small settings, by the pages' own actions
 * (startCollect, startFit, startTraining), each awaited on the store as a
 * researcher would watch its page; then the latents' statistics and labels
 * are read and the latent whose strongest image best separates one attribute
 * value (its AUROC) is opened. Cancel stops the stage that is running.
 */
import type { StateCreator, StoreApi } from 'zustand';
import { bestAuroc, type LatentLabels } from '../analysis/latent-labels';
import { attributeGridPrompts } from '../data/attribute-grid';
import { createScheduler } from '../diffusion/schedulers';
import { evenlySpreadCalls } from '../flows/collect-trajectories';
import type { LatentTable } from '../sae/latent-table';
import { collectSettings, DEFAULT_RECORDED_STEPS } from './collect-settings';
import { latentLabels, latentTables, type LatentLabelsStatus } from './latents-slice';
import { currentProject } from './project-slice';
import type { ProjectRecord } from './project-record';
import { SAE_FORM_DEFAULTS, saeFormRequest } from './sae-form';
import type { LabState } from './store';

/** The bundled toy model, which the example needs (its grid's attributes are known). */
export const TOY_MANIFEST = 'models/toy/manifest.json';

/**
 * The example's size, chosen so that on an emulated GPU (SwiftShader on a
 * loaded 2-core machine) a latent's map is on screen a few minutes after the
 * page opens, with latents still worth reading: 24 grid images give every
 * colour, shape and position a few examples, and the SAE trained for 150
 * steps at the SAE page's sizes (the kernels compiled at start are its)
 * separates several attribute values with AUROC 1.
 */
export const EXAMPLE = {
  images: 24,
  samplerSteps: 10,
  recordedSteps: DEFAULT_RECORDED_STEPS,
  sae: { ...SAE_FORM_DEFAULTS, steps: 150 },
} as const;

export type ExampleStage = 'model' | 'collect' | 'fit' | 'train' | 'latents';

export type ExampleStatus =
  | { state: 'idle' }
  | { state: 'running'; projectId: string | null; stage: ExampleStage; startedAt: number; stageStartedAt: number }
  /** `latent`: the one opened, best by attribute AUROC (null when none fired). */
  | { state: 'done'; projectId: string; latent: number | null; seconds: number }
  | { state: 'cancelled' }
  | { state: 'failed'; reason: string };

export interface ExampleSlice {
  example: ExampleStatus;
  runExample: () => Promise<void>;
  cancelExample: () => void;
}

/** Stops the running example (kept out of the store). */
let exampleCancel: AbortController | null = null;

export const createExampleSlice: StateCreator<LabState, [], [], ExampleSlice> = (set, get, store) => ({
  example: { state: 'idle' },
  runExample: async () => {
    if (get().example.state === 'running') return;
    const cancel = (exampleCancel = new AbortController());
    const startedAt = performance.now();
    let projectId: string | null = null;
    const enter = (stage: ExampleStage) => set({ example: { state: 'running', projectId, stage, startedAt, stageStartedAt: performance.now() } });
    const until = (done: (s: LabState) => boolean) => waitFor(store, done, cancel.signal);
    const project = () => get().projects.find((p) => p.id === projectId) ?? null;
    try {
      enter('model');
      const model = get().model;
      // The store keeps manifest URLs absolute; the toy must be hooked at its default block (the kernels compiled at start are that block's).
      const toy = new URL(TOY_MANIFEST, location.href).href;
      const atDefault = model.state === 'ready' && model.manifestUrl === toy && model.info.hook !== null && model.info.hooks.some((h) => h.default && h.path === model.info.hook);
      if (model.state !== 'loading' && !atDefault) get().loadModel(TOY_MANIFEST, 'auto', 'default');
      await until((s) => s.model.state !== 'loading');
      const loaded = get().model;
      if (loaded.state !== 'ready') throw new Error(loaded.state === 'failed' ? `the toy model did not load: ${loaded.reason}` : 'the toy model did not load');

      projectId = await exampleProject(get());
      const grid = attributeGridPrompts({ count: EXAMPLE.images });
      await get().setExamplePrompts(
        `toy attribute grid (${EXAMPLE.images})`,
        grid.map(({ prompt, seed }) => ({ prompt, seed })),
        grid.map((g) => g.attributes),
      );

      enter('collect');
      const sampler = { ...loaded.info.sampler, steps: EXAMPLE.samplerSteps };
      const calls = createScheduler(sampler.scheduler, loaded.info.schedulerConfig, sampler.steps).timesteps.length;
      const recordCalls = evenlySpreadCalls(calls, EXAMPLE.recordedSteps);
      get().startCollect(collectSettings(loaded, { sampler, recordCalls, dtype: 'F16', fixedSeed: null }), false);
      await until((s) => !s.collectJob);
      const collect = project()?.collect;
      if (collect?.state !== 'done') throw new Error(collect?.reason ?? 'the collection did not finish');

      enter('fit');
      get().startFit({ variant: 'full', lambda: null, heldoutFraction: 0.1, compare: false });
      await until((s) => !s.fitJob);
      if (project()?.dynamics?.collectAt !== collect.at) throw new Error('fitting the dynamics did not finish');

      enter('train');
      get().startTraining(saeFormRequest(EXAMPLE.sae, recordCalls.length * collect.settings.channels), false);
      await until((s) => !s.trainJob);
      const sae = project()?.sae;
      if (sae?.state !== 'done') throw new Error(sae?.reason ?? 'training did not finish');

      enter('latents');
      get().loadLatentTable();
      await until((s) => s.latentTable.state === 'failed' || (s.latentTable.state === 'ready' && labelsSettled(s.latentLabels, projectId!, s.latentTable.saeAt)));
      const table = get().latentTable;
      if (table.state !== 'ready') throw new Error(table.state === 'failed' ? table.reason : 'the latents could not be read');
      const labels = get().latentLabels;
      const latent = bestLatent(latentTables.get(table.tableId), labels.state === 'ready' ? latentLabels.get(labels.id) : null);
      get().selectLatent(latent);
      set({ example: { state: 'done', projectId, latent, seconds: (performance.now() - startedAt) / 1000 } });
    } catch (error) {
      set({ example: cancel.signal.aborted ? { state: 'cancelled' } : { state: 'failed', reason: error instanceof Error ? error.message : String(error) } });
    } finally {
      if (exampleCancel === cancel) exampleCancel = null;
    }
  },
  cancelExample: () => {
    const example = get().example;
    if (example.state !== 'running') return;
    exampleCancel?.abort();
    // The running stage stops as its page's Cancel would stop it (training keeps a checkpoint to resume); a model load goes on.
    if (example.stage === 'collect') get().cancelCollect();
    else if (example.stage === 'fit') get().cancelFit();
    else if (example.stage === 'train') get().stopTraining('pause');
  },
});

/** The open project when it is still empty (a fresh profile's first), else a new one; named for the example either way. */
async function exampleProject(s: LabState): Promise<string> {
  const open = currentProject(s);
  const name = 'Toy example';
  if (open && isEmpty(open)) {
    s.renameProject(open.id, name);
    return open.id;
  }
  return s.createProject(name);
}

const isEmpty = (p: ProjectRecord) => !p.prompts && !p.collect && !p.dynamics && !p.sae;

/** The latent with the highest attribute AUROC (ties: the more frequent), or by firing rate alone without AUROCs; null when none fires. */
export function bestLatent(table: LatentTable, labels: LatentLabels | null): number | null {
  let best: number | null = null;
  const score = (k: number) => bestAuroc(labels, k);
  for (let k = 0; k < table.m; k++) {
    if (!(table.firingRate[k] > 0)) continue;
    if (best === null || score(k) > score(best) || (score(k) === score(best) && table.firingRate[k] > table.firingRate[best])) best = k;
  }
  return best;
}

/** Whether the labels of this SAE are read (or failed: the latent is then chosen by firing rate). */
function labelsSettled(labels: LatentLabelsStatus, projectId: string, saeAt: number): boolean {
  return (labels.state === 'ready' || labels.state === 'failed') && labels.projectId === projectId && labels.saeAt === saeAt;
}

/** Resolves once `done` holds for the store's state; rejects when `signal` aborts. */
function waitFor(store: StoreApi<LabState>, done: (s: LabState) => boolean, signal: AbortSignal): Promise<void> {
  return new Promise((resolve, reject) => {
    if (signal.aborted) return reject(signal.reason);
    if (done(store.getState())) return resolve();
    const stop = () => {
      unsubscribe();
      signal.removeEventListener('abort', aborted);
    };
    const aborted = () => {
      stop();
      reject(signal.reason);
    };
    const unsubscribe = store.subscribe((s) => {
      if (done(s)) {
        stop();
        resolve();
      }
    });
    signal.addEventListener('abort', aborted);
  });
}
