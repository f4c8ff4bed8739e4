import type { StateCreator } from 'zustand';
import type { AttributeReading } from '../diffusion/attribute-probe';
import { isCancelled } from '../worker/job-error';
import type { PixelsMessage } from '../worker/jobs/pixels';
import type { SteerRequest } from '../worker/jobs/steer-job';
import { hookForProject, images } from './model-slice';
import { currentProject } from './project-slice';
import { runtimeClient } from './runtime-client';
import type { LabState } from './store';

export type SteerParams = Omit<SteerRequest, 'projectId'>;

export interface SteerResultView {
  params: SteerParams;
  unsteeredId: string;
  steeredId: string;
  /** Per-call previews of both runs (image ids), when the model has a preview map. */
  previews: { unsteered: string[]; steered: string[] } | null;
  readings: { unsteered: Record<string, AttributeReading>; steered: Record<string, AttributeReading> } | null;
  meanActivations: number[];
  callsRun: number;
  /** Seconds from the request to the images (what a slider move costs). */
  seconds: number;
}

export interface SteerSlice {
  steerRunning: number | null;
  steerResult: SteerResultView | null;
  steerError: string | null;
  /** The latents the Steer page starts with (set from a latent's page). */
  steerLatents: number[];
  setSteerLatents: (latents: number[]) => void;
  /** Runs a steering request; a newer one cancels the one in flight (sliders send many). */
  runSteer: (params: SteerParams) => Promise<void>;
  /** Forgets the shown result and its error (the Steer page's "Reset"): its images leave the registry. */
  clearSteerResult: () => void;
}

/** Counts runSteer calls, so one that waited for a re-hook knows whether a newer one superseded it. */
let steerRequests = 0;
/** Cancels the steering request in flight (kept out of the store). */
let steerCancel: AbortController | null = null;

export const createSteerSlice: StateCreator<LabState, [], [], SteerSlice> = (set, get) => ({
  steerRunning: null,
  steerResult: null,
  steerError: null,
  steerLatents: [],
  setSteerLatents: (latents) => set({ steerLatents: latents }),
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
    set({ steerRunning: asked });
    runtimeClient.runJob('steer', { projectId: project.id, ...params }, undefined, { signal: cancel.signal }).then(
      (m) => {
        deleteResultImages(get().steerResult);
        const add = (p: PixelsMessage) => images.add({ width: p.width, height: p.height, rgba: new Uint8ClampedArray(p.rgba) });
        const previews = m.previews ? { unsteered: m.previews.unsteered.map(add), steered: m.previews.steered.map(add) } : null;
        set({
          steerResult: { params, unsteeredId: add(m.unsteered), steeredId: add(m.steered), previews, readings: m.readings, meanActivations: m.meanActivations, callsRun: m.callsRun, seconds: (performance.now() - started) / 1000 },
          steerError: null,
          ...(get().steerRunning === asked ? { steerRunning: null } : {}),
        });
      },
      (error: unknown) => {
        if (get().steerRunning === asked) set({ steerRunning: null });
        if (!isCancelled(error)) set({ steerError: (error as Error).message });
      },
    );
  },
  clearSteerResult: () => {
    deleteResultImages(get().steerResult);
    set({ steerResult: null, steerError: null });
  },
});

function deleteResultImages(result: SteerResultView | null): void {
  if (result) for (const id of [result.unsteeredId, result.steeredId, ...(result.previews ? [...result.previews.unsteered, ...result.previews.steered] : [])]) images.delete(id);
}
