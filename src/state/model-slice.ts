import type { StateCreator } from 'zustand';
import { isCancelled, isDeviceLost } from '../worker/job-error';
import type { LoadedModelInfo, ProviderChoice } from '../worker/jobs/load-job';
import { Registry } from './registry';
import { runtimeClient } from './runtime-client';
import type { GenerateRequest, StepEvent } from '../worker/jobs/generate-job';
import { readWasmThreadsSetting } from './wasm-threads-setting';
import type { LabState } from './store';

/** Finished images (RGBA bytes), by the id the store holds. */
export const images = new Registry<{ width: number; height: number; rgba: Uint8ClampedArray<ArrayBuffer> }>('image');

/** The loaded model's tokenizer.json (megabytes for CLIP: kept out of the store), for prompt previews. */
export const loadedTokenizer: { json: string | null } = { json: null };

export interface TransferProgress {
  stage: string;
  loaded: number;
  total: number | null;
  bytesPerSecond: number;
  etaSeconds: number | null;
}

export type ModelStatus =
  | { state: 'idle' }
  | { state: 'loading'; manifestUrl: string; progress: TransferProgress | null }
  | { state: 'ready'; manifestUrl: string; info: LoadedModelInfo }
  | { state: 'failed'; manifestUrl: string; reason: string };

export type GenerationStatus =
  | { state: 'idle' }
  | { state: 'running'; call: number; calls: number; startedAt: number; previewId: string | null }
  | { state: 'done'; imageId: string; seconds: number; prompt: string; seed: number }
  | { state: 'failed'; reason: string };

/** A generation as the Model page asks for it: the generate job's request. */
export type GenerationRequest = GenerateRequest;

export interface ModelSlice {
  model: ModelStatus;
  generation: GenerationStatus;
  /** hook: a block path, 'default' for the manifest's default hook, or null for none. */
  loadModel: (manifestUrl: string, provider: ProviderChoice, hook: string | 'default' | null) => void;
  /**
   * After the GPU device was lost: shows the model as loading at once, then,
   * once the runtime worker is `replaced`, loads the same manifest with the
   * same provider and hook again (its files are in OPFS: nothing is downloaded).
   */
  reloadModel: (replaced: Promise<void>) => Promise<void>;
  cancelLoad: () => void;
  /**
   * Resolves once the loaded model is hooked at `hook` — re-hooking it (same
   * model, same provider choice) when it is not — so that a project recorded
   * at another block than the default steers after a reload; rejects if loading fails.
   */
  ensureModelHook: (hook: string) => Promise<void>;
  /** How much of each known model the OPFS cache holds, by manifest URL (as the page gave it). */
  modelCache: Record<string, { total: number; cached: number; files: number; filesCached: number }>;
  checkModelCache: (manifestUrl: string) => void;
  generateImage: (request: GenerationRequest) => void;
  cancelGeneration: () => void;
}

/**
 * Waits until the model is hooked at the block the project was recorded at
 * (re-hooking it when needed): null when ready, else why it cannot be.
 */
export async function hookForProject(state: Pick<ModelSlice, 'ensureModelHook'>, project: { collect?: { settings: { hook: string } } | null }): Promise<string | null> {
  const hook = project.collect?.settings.hook;
  if (!hook) return null;
  try {
    await state.ensureModelHook(hook);
    return null;
  } catch (error) {
    return (error as Error).message;
  }
}

/** The provider the page last asked for ('auto' stays 'auto' when a re-hook reloads the model). */
let providerChoice: ProviderChoice = 'auto';
/** The hook the page last asked for ('default' stays 'default' until a load ends at a block). */
let hookChoice: string | 'default' | null = 'default';
/** Cancel the load and the generation in flight (kept out of the store). */
let loadCancel: AbortController | null = null;
let generationCancel: AbortController | null = null;

export const createModelSlice: StateCreator<LabState, [], [], ModelSlice> = (set, get, store) => ({
  model: { state: 'idle' },
  generation: { state: 'idle' },
  modelCache: {},
  checkModelCache: (url) => {
    runtimeClient.runJob('cache-status', { manifestUrl: new URL(url, location.href).href }).then(
      (m) => set((s) => ({ modelCache: { ...s.modelCache, [url]: m } })),
      () => {},
    );
  },
  loadModel: (url, provider, hook) => {
    providerChoice = provider;
    hookChoice = hook;
    // Absolute against the page: the worker's own base is its script's folder.
    const manifestUrl = new URL(url, location.href).href;
    const cancel = (loadCancel = new AbortController());
    set({ model: { state: 'loading', manifestUrl, progress: null }, generation: { state: 'idle' } });
    const onProgress = ({ type: _type, ...progress }: TransferProgress & { type: 'progress' }) => set({ model: { state: 'loading', manifestUrl, progress } });
    runtimeClient.runJob('load', { manifestUrl, provider, hook, wasmThreads: readWasmThreadsSetting() }, onProgress, { signal: cancel.signal }).then(
      (m) => {
        loadedTokenizer.json = m.tokenizerJson;
        set({ model: { state: 'ready', manifestUrl, info: m.info } });
      },
      (error: unknown) => {
        // A lost device: reloadModel loads it again on the new one.
        if (isDeviceLost(error)) return;
        set({ model: { state: 'failed', manifestUrl, reason: isCancelled(error) ? 'Loading was cancelled; the bytes downloaded so far are kept, and Load resumes from them.' : (error as Error).message } });
        get().reportJobError('Model', error);
      },
    );
  },
  reloadModel: async (replaced) => {
    const m = get().model;
    if (m.state === 'idle') return;
    // A ready model may have been re-hooked for a project since the load the page asked for: keep its hook.
    const hook = m.state === 'ready' ? m.info.hook : hookChoice;
    const waiting: TransferProgress = { stage: 'the GPU device was lost: stopping the running jobs, then loading the model on a new device', loaded: 0, total: null, bytesPerSecond: 0, etaSeconds: null };
    set({ model: { state: 'loading', manifestUrl: m.manifestUrl, progress: waiting } });
    await replaced;
    get().loadModel(m.manifestUrl, providerChoice, hook);
  },
  cancelLoad: () => {
    if (get().model.state === 'loading') loadCancel?.abort();
  },
  ensureModelHook: (hook) => {
    const settled = (): Promise<void> =>
      new Promise((resolve, reject) => {
        // Settled by the first status that is not a load in progress (a load started elsewhere may end at another hook).
        const check = (m: ModelStatus): boolean => {
          if (m.state === 'loading') return false;
          if (m.state === 'ready' && m.info.hook === hook) resolve();
          // A graph that refused every hook refuses this one on any load: trying again would not help.
          else if (m.state === 'ready' && m.info.hookRefusal) reject(new Error(`this project was recorded at ${hook}, but the loaded model cannot be hooked: ${m.info.hookRefusal}`));
          else if (m.state === 'ready') reject(new Error(`the model was loaded hooked at ${m.info.hook ?? 'no block'}, but this project was recorded at ${hook}: try again to re-hook it`));
          else if (m.state === 'failed') reject(new Error(`the model could not be hooked at ${hook}: ${m.reason}`));
          else reject(new Error('no model is loaded: load one on the Model page'));
          return true;
        };
        if (check(get().model)) return;
        const unsubscribe = store.subscribe((s) => {
          if (check(s.model)) unsubscribe();
        });
      });
    const m = get().model;
    if (m.state === 'ready' && m.info.hook !== hook && !m.info.hookRefusal) get().loadModel(m.manifestUrl, providerChoice, hook);
    return settled();
  },
  generateImage: (request) => {
    const cancel = (generationCancel = new AbortController());
    set({ generation: { state: 'running', call: 0, calls: request.steps, startedAt: performance.now(), previewId: null } });
    const onStep = (m: StepEvent) => {
      const previous = get().generation;
      if (previous.state === 'running' && previous.previewId) images.delete(previous.previewId);
      const previewId = m.preview ? images.add({ width: m.preview.width, height: m.preview.height, rgba: new Uint8ClampedArray(m.preview.rgba) }) : null;
      set({ generation: { state: 'running', call: m.call + 1, calls: m.calls, startedAt: previous.state === 'running' ? previous.startedAt : performance.now(), previewId } });
    };
    runtimeClient.runJob('generate', request, onStep, { signal: cancel.signal }).then(
      (m) => {
        const previous = get().generation;
        if (previous.state === 'running' && previous.previewId) images.delete(previous.previewId);
        const imageId = images.add({ width: m.image.width, height: m.image.height, rgba: new Uint8ClampedArray(m.image.rgba) });
        set({ generation: { state: 'done', imageId, seconds: m.seconds, prompt: request.prompt, seed: request.seed } });
      },
      (error: unknown) => {
        set({ generation: isCancelled(error) ? { state: 'idle' } : { state: 'failed', reason: (error as Error).message } });
        get().reportJobError('Generation', error);
      },
    );
  },
  cancelGeneration: () => {
    if (get().generation.state === 'running') generationCancel?.abort();
  },
});
