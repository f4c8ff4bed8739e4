import type { StateCreator } from 'zustand';
import { browserGpu } from '../gpu/browser-gpu';
import type { AdapterSummary, GpuContext } from '../gpu/context';
import { NoWebGpuError } from '../gpu/errors';
import { Registry } from './registry';
import { runtimeClient } from './runtime-client';
import type { LabState } from './store';

/** The lab's GPU contexts, by the id the store holds. */
export const gpuContexts = new Registry<GpuContext>('gpu');

export type GpuStatus =
  | { state: 'idle' }
  | { state: 'acquiring' }
  | { state: 'ready'; contextId: string; summary: AdapterSummary }
  /** The device was lost; the summary stays on screen, the banner says why. */
  | { state: 'lost'; contextId: string; summary: AdapterSummary }
  /** No WebGPU here: `reason` says why and what to do (NoWebGpuError), or why the device request failed. */
  | { state: 'unavailable'; reason: string };

export interface GpuSlice {
  gpu: GpuStatus;
  /** Asks the browser for the lab's GPU device once; later calls do nothing. */
  acquireGpu: () => Promise<void>;
}

/** What the banner says when the runtime worker's device (the model's and our kernels') is lost: what happened, what the lab does, what to do. */
export function workerDeviceLostMessage(what: string): string {
  return (
    `${what}. The lab is making a new GPU device and loading the model again from this browser's storage (no download); ` +
    'your projects and their files are kept. A job that was running is paused: once the model is ready, resume it on its page (or run it again).'
  );
}

export const createGpuSlice: StateCreator<LabState, [], [], GpuSlice> = (set, get) => {
  // The runtime worker's device: the page replaces the worker (runtime-client.ts), then reloads the model on it.
  runtimeClient.onDeviceLost((what, replaced) => {
    get().reportError('GPU device', workerDeviceLostMessage(what));
    void get().reloadModel(replaced);
  });
  return {
    gpu: { state: 'idle' },
    acquireGpu: async () => {
      if (get().gpu.state !== 'idle') return;
      set({ gpu: { state: 'acquiring' } });
      let ctx: GpuContext;
      try {
        ctx = await browserGpu();
      } catch (error) {
        if (!(error instanceof NoWebGpuError)) get().reportError('GPU device', error);
        const reason = error instanceof Error ? error.message : String(error);
        set({ gpu: { state: 'unavailable', reason } });
        return;
      }
      const contextId = gpuContexts.add(ctx);
      set({ gpu: { state: 'ready', contextId, summary: ctx.summary } });
      ctx.onLost((lost) => {
        set({ gpu: { state: 'lost', contextId, summary: ctx.summary } });
        get().reportError('GPU device', lost);
      });
      // Errors outside an error scope (GpuContext.sync rethrows them later, but only if someone syncs).
      ctx.device.addEventListener('uncapturederror', (event) => {
        const { error } = event as GPUUncapturedErrorEvent;
        get().reportError('GPU device', `${error.constructor.name}: ${error.message}`);
      });
    },
  };
};
