import type { StateCreator } from 'zustand';
import type { AttributeReading } from '../diffusion/attribute-probe';
import { isCancelled } from '../worker/job-error';
import type { JobProgress } from '../worker/jobs/job-context';
import type { PixelsMessage } from '../worker/jobs/pixels';
import type { SteerRequest } from '../worker/jobs/steer-job';
import type { SteerSweepRequest, SweepCellMessage } from '../worker/jobs/steer-sweep-job';
import { hookForProject, images } from './model-slice';
import { currentProject } from './project-slice';
import { runtimeClient } from './runtime-client';
import type { LabState } from './store';

export type SteerParams = Omit<SteerRequest, 'projectId'>;
export type SweepParams = Omit<SteerSweepRequest, 'projectId'>;

/** A latent handed to the Steer page: +1 to add it, −1 to push away from it (a concept's latent that predicts its absence). */
export interface SignedLatent {
  latent: number;
  sign: 1 | -1;
}

/** One image of a sweep: its image id and what made it. */
export type SweepCellView = Omit<SweepCellMessage, 'image'> & { imageId: string };

/** A sweep as the page shows it: running (what it is doing, the images so far), done, or failed. */
export type SweepView =
  | { state: 'running'; params: SweepParams; doing: string; done: number; total: number | null; cells: SweepCellView[] }
  | { state: 'done'; params: SweepParams; cells: SweepCellView[]; unsteeredId: string; unsteeredReading: Record<string, AttributeReading> | null; callsRun: number; fullCalls: number; seconds: number }
  | { state: 'error'; params: SweepParams; message: string; cells: SweepCellView[] };

export interface SteerResultView {
  params: SteerParams;
  unsteeredId: string;
  steeredId: string;
  /** Per-call previews of both runs (image ids), when the model has a preview map. */
  previews: { unsteered: string[]; steered: string[] } | null;
  readings: { unsteered: Record<string, AttributeReading>; steered: Record<string, AttributeReading> } | null;
  meanActivations: (number | null)[];
  /** Each latent's activation per unit of α in the request's unit. */
  scales: number[];
  callsRun: number;
  /** Seconds from the request to the images (what a slider move costs). */
  seconds: number;
}

export interface SteerSlice {
  steerRunning: number | null;
  /** What the running request is doing, from before its first image (null when none runs). */
  steerDoing: string | null;
  steerResult: SteerResultView | null;
  steerError: string | null;
  /** The latents the Steer page starts with (set from a latent's page, or a concept's with their signs). */
  steerLatents: SignedLatent[];
  setSteerLatents: (latents: readonly (number | SignedLatent)[]) => void;
  /** Runs a steering request; a newer one cancels the one in flight (sliders send many). */
  runSteer: (params: SteerParams) => Promise<void>;
  /** Forgets the shown result and its error (the Steer page's "Reset"): its images leave the registry. */
  clearSteerResult: () => void;
  steerSweep: SweepView | null;
  /** Renders a sweep (strengths × windows); a new one replaces the shown one. */
  runSweep: (params: SweepParams) => Promise<void>;
  cancelSweep: () => void;
}

/** Counts runSteer calls, so one that waited for a re-hook knows whether a newer one superseded it. */
let steerRequests = 0;
/** Cancels the steering request in flight (kept out of the store). */
let steerCancel: AbortController | null = null;
/** Cancels the sweep in flight. */
let sweepCancel: AbortController | null = null;

export const createSteerSlice: StateCreator<LabState, [], [], SteerSlice> = (set, get) => ({
  steerRunning: null,
  steerDoing: null,
  steerResult: null,
  steerError: null,
  steerLatents: [],
  setSteerLatents: (latents) => set({ steerLatents: latents.map((l) => (typeof l === 'number' ? { latent: l, sign: 1 } : l)) }),
  runSteer: async (params) => {
    const project = currentProject(get());
    if (!project) return;
    if (get().steerRunning !== null) steerCancel?.abort();
    const started = performance.now();
    const asked = ++steerRequests;
    const hookError = await hookForProject(get(), project);
    if (hookError) {
      set({ steerError: hookError });
      return;
    }
    // A newer slider move arrived while the model was re-hooked: it runs instead.
    if (asked !== steerRequests) return;
    const cancel = (steerCancel = new AbortController());
    set({ steerRunning: asked, steerDoing: steerPlan(get().steerResult?.params ?? null, params) });
    const onEvent = (event: JobProgress) => get().steerRunning === asked && set({ steerDoing: `${event.stage}…` });
    runtimeClient.runJob('steer', { projectId: project.id, ...params }, onEvent, { signal: cancel.signal }).then(
      (m) => {
        deleteResultImages(get().steerResult);
        const add = (p: PixelsMessage) => images.add({ width: p.width, height: p.height, rgba: new Uint8ClampedArray(p.rgba) });
        const previews = m.previews ? { unsteered: m.previews.unsteered.map(add), steered: m.previews.steered.map(add) } : null;
        set({
          steerResult: { params, unsteeredId: add(m.unsteered), steeredId: add(m.steered), previews, readings: m.readings, meanActivations: m.meanActivations, scales: m.scales, callsRun: m.callsRun, seconds: (performance.now() - started) / 1000 },
          steerError: null,
          ...(get().steerRunning === asked ? { steerRunning: null, steerDoing: null } : {}),
        });
      },
      (error: unknown) => {
        if (get().steerRunning === asked) set({ steerRunning: null, steerDoing: null });
        if (!isCancelled(error)) set({ steerError: (error as Error).message });
      },
    );
  },
  clearSteerResult: () => {
    deleteResultImages(get().steerResult);
    deleteSweepImages(get().steerSweep);
    set({ steerResult: null, steerError: null, steerSweep: null });
  },
  steerSweep: null,
  runSweep: async (params) => {
    const project = currentProject(get());
    if (!project) return;
    sweepCancel?.abort();
    deleteSweepImages(get().steerSweep);
    const cancel = (sweepCancel = new AbortController());
    const cells: SweepCellView[] = [];
    const mine = () => sweepCancel === cancel;
    set({ steerSweep: { state: 'running', params, doing: 'starting', done: 0, total: null, cells } });
    const fail = (message: string) => set({ steerSweep: { state: 'error', params, message, cells } });
    const hookError = await hookForProject(get(), project);
    // A newer sweep (or a cancel) replaced this one meanwhile: it owns the store.
    if (!mine()) return;
    if (hookError) return fail(hookError);
    const running = (update: Partial<Extract<SweepView, { state: 'running' }>>) => {
      const now = get().steerSweep;
      if (mine() && now?.state === 'running') set({ steerSweep: { ...now, ...update } });
    };
    try {
      const m = await runtimeClient.runJob(
        'steer-sweep',
        { projectId: project.id, ...params },
        (event) => {
          // Cells of a replaced sweep are not registered: its images were already deleted.
          if (!mine()) return;
          if (event.type === 'progress') return running({ doing: event.stage, done: event.loaded, total: event.total });
          const { image, ...cell } = event.cell;
          cells.push({ ...cell, imageId: images.add({ width: image.width, height: image.height, rgba: new Uint8ClampedArray(image.rgba) }) });
          running({ cells: [...cells], done: event.index + 1, total: event.total });
        },
        { signal: cancel.signal },
      );
      if (!mine()) return;
      const unsteeredId = images.add({ width: m.unsteered.width, height: m.unsteered.height, rgba: new Uint8ClampedArray(m.unsteered.rgba) });
      set({ steerSweep: { state: 'done', params, cells: [...cells], unsteeredId, unsteeredReading: m.unsteeredReading, callsRun: m.callsRun, fullCalls: m.fullCalls, seconds: m.seconds } });
    } catch (error) {
      if (!mine()) return;
      fail(isCancelled(error) ? `cancelled after ${cells.length} images` : (error as Error).message);
    } finally {
      if (mine()) sweepCancel = null;
    }
  },
  cancelSweep: () => sweepCancel?.abort(),
});

function deleteSweepImages(sweep: SweepView | null): void {
  for (const cell of sweep?.cells ?? []) images.delete(cell.imageId);
  if (sweep?.state === 'done') images.delete(sweep.unsteeredId);
}

function deleteResultImages(result: SteerResultView | null): void {
  if (result) for (const id of [result.unsteeredId, result.steeredId, ...(result.previews ? [...result.previews.unsteered, ...result.previews.steered] : [])]) images.delete(id);
}

/**
 * What a steering request will do, said before its first image: the worker keeps the unsteered run of the
 * last prompt, seed and negative prompt, so a changed control re-runs only the steered calls.
 */
export function steerPlan(previous: SteerParams | null, next: SteerParams): string {
  const cached = previous !== null && previous.prompt === next.prompt && previous.seed === next.seed && previous.negativePrompt === next.negativePrompt;
  return cached ? 're-running the steered calls from the cached unsteered run…' : 'generating the unsteered image, then the steered one…';
}
