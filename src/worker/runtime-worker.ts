/// <reference lib="webworker" />
/**
 * The runtime worker: loads a model from its manifest URL (files cached in
 * OPFS), runs generations and the project jobs (collect, fit, train; see
 * jobs/), so the page stays responsive. One model at a time; a new load
 * replaces it.
 *
 * Provider "auto": onnxruntime-web's WebGPU provider on a real GPU, its
 * wasm provider on a CPU-fallback adapter (SwiftShader computes at well
 * under 1 GFLOP/s, slower than wasm SIMD).
 */
import { generate, GenerationCancelled } from '../diffusion/denoise';
import { loadDiffusionModel, type DiffusionModel } from '../diffusion/diffusion-model';
import { defaultHook, parseManifest } from '../diffusion/manifest';
import { configureWasm, ModelSession, ortGpuDevice, type ProviderName } from '../diffusion/ort-runtime';
import type { WasmThreadsSetting } from '../state/wasm-threads-setting';
// The standalone Emscripten glue and binary, served as files (Vite's ?url): ORT's pthreads load the glue by its own URL.
import ortWasmGlueUrl from 'onnxruntime-web/ort-wasm-simd-threaded.jsep.mjs?url';
import ortWasmBinaryUrl from 'onnxruntime-web/ort-wasm-simd-threaded.jsep.wasm?url';
import { opfsByteStore } from '../diffusion/sources/opfs-store';
import { cacheStatus, openUrlModel } from '../diffusion/sources/url-model';
import { browserGpu } from '../gpu/browser-gpu';
import { GpuContext } from '../gpu/context';
import { ablationJob } from './jobs/ablation-job';
import { collectJob } from './jobs/collect-job';
import { fitJob } from './jobs/fit-job';
import { importJob } from './jobs/import-job';
import { prewarmJob } from './jobs/prewarm-job';
import { imageActivationsJob, latentMapsJob, latentTableJob } from './jobs/latents-job';
import { promptLatentsJob, steerJob } from './jobs/steer-job';
import type { JobContext } from './jobs/job-context';
import { trainJob } from './jobs/train-job';
import type { LoadedModelInfo, ProviderChoice, RuntimeRequest, RuntimeResponse } from './runtime-protocol';

declare const self: DedicatedWorkerGlobalScope;

let model: DiffusionModel | null = null;
/** The loaded model's attribute probe (the toy's), created on first use; null: the model has none. */
let probe: Promise<ModelSession | null> | null = null;
let readModelFile: ((path: string) => Promise<Uint8Array>) | null = null;
let ownGpu: Promise<GpuContext> | null = null;
const running = new Map<number, AbortController>();
/** Training runs' graceful stops (pause / finish), by request id. */
const stops = new Map<number, { controller: AbortController; mode: 'pause' | 'finish' }>();

function post(message: RuntimeResponse, transfer: Transferable[] = []): void {
  self.postMessage(message, transfer);
}

/** The thread count ORT's pool started with (it starts once, with the first session), and why. */
let startedThreads: { threads: number; reason: string } | null = null;

/**
 * ORT's wasm thread pool: threads need SharedArrayBuffer, which needs
 * cross-origin isolation (vite.config.ts sends COOP/COEP). "auto" is ORT's
 * own default, half the logical cores and at most 4 (onnxruntime-web
 * lib/backend-wasm.ts): its pool busy-waits, and on 2 cores 2 threads made a
 * toy image slower than 1 (measured in Chromium, issue 8's note).
 */
function wasmThreads(setting: WasmThreadsSetting): { threads: number; reason: string } {
  if (!self.crossOriginIsolated) return { threads: 1, reason: 'not cross-origin isolated (no COOP/COEP headers), so no SharedArrayBuffer' };
  const cores = navigator.hardwareConcurrency || 1;
  if (setting !== 'auto') return { threads: setting, reason: `set on this page; cross-origin isolated, ${cores} logical cores` };
  return { threads: Math.min(4, Math.ceil(cores / 2)), reason: `auto: half of ${cores} logical cores, at most 4; cross-origin isolated` };
}

/** Starts ORT's pool with the setting on the first load; later loads report the pool that runs. */
function startWasm(setting: WasmThreadsSetting): { threads: number; reason: string } {
  const wanted = wasmThreads(setting);
  if (!startedThreads) {
    // The glue's own URL, not the copy bundled into this worker: see configureWasm.
    configureWasm(wanted.threads, { mjs: ortWasmGlueUrl, wasm: ortWasmBinaryUrl });
    startedThreads = wanted;
  }
  if (wanted.threads === startedThreads.threads) return startedThreads;
  return { threads: startedThreads.threads, reason: `${startedThreads.reason}; the setting of ${wanted.threads} applies when the page reloads` };
}

async function chooseProvider(choice: ProviderChoice): Promise<{ provider: ProviderName; reason: string }> {
  if (choice !== 'auto') return { provider: choice, reason: 'chosen' };
  const adapter = await navigator.gpu?.requestAdapter();
  if (!adapter) return { provider: 'wasm', reason: 'no WebGPU adapter' };
  const fallback = adapter.info.isFallbackAdapter ?? false;
  return fallback ? { provider: 'wasm', reason: 'CPU-fallback GPU adapter: wasm is faster' } : { provider: 'webgpu', reason: 'GPU adapter' };
}

async function load(request: Extract<RuntimeRequest, { type: 'load' }>): Promise<void> {
  const started = performance.now();
  // Cancelling a load stops its downloads; the bytes so far stay in OPFS and the next load resumes them.
  const controller = new AbortController();
  running.set(request.id, controller);
  try {
    await loadModel(request, controller.signal, started);
  } finally {
    running.delete(request.id);
  }
}

async function loadModel(request: Extract<RuntimeRequest, { type: 'load' }>, signal: AbortSignal, started: number): Promise<void> {
  const { provider, reason } = await chooseProvider(request.provider);
  const threads = startWasm(request.wasmThreads);
  const store = await opfsByteStore('models');
  const files = await openUrlModel(request.manifestUrl, {
    store,
    signal,
    onProgress: (p) => post({ type: 'progress', id: request.id, stage: p.path, loaded: p.loaded, total: p.total, bytesPerSecond: p.bytesPerSecond, etaSeconds: p.etaSeconds }),
  });
  await model?.release();
  model = null;
  void (await probe)?.release();
  probe = null;
  readModelFile = (path) => files.read(path);
  model = await loadDiffusionModel(files, {
    provider,
    hook: request.hook === 'default' ? defaultHook(files.manifest) : request.hook,
    // With the WebGPU provider our kernels must run on ORT's device, so buffers pass between them.
    gpu: provider === 'webgpu' ? async () => GpuContext.fromDevice(await ortGpuDevice()) : browserGpu,
    onStage: (stage) => post({ type: 'progress', id: request.id, stage: `loading ${stage}`, loaded: 0, total: null, bytesPerSecond: 0, etaSeconds: null }),
  });
  const m = model.manifest;
  const info: LoadedModelInfo = {
    name: m.name,
    provider,
    providerReason: reason,
    wasmThreads: threads,
    previewDecoder: model.previewDecoder !== null,
    hook: model.hook?.path ?? null,
    hooks: (m.hooks ?? []).map((h) => ({ path: h.path, channels: h.channels, height: h.height, width: h.width, default: h.default === true })),
    sampler: { scheduler: m.sampler.name, steps: m.sampler.steps, guidance: m.sampler.guidanceScale },
    schedulerConfig: model.schedulerConfig,
    imageSize: m.imageSize,
    contextLength: m.textEncoder.contextLength,
    seconds: (performance.now() - started) / 1000,
  };
  post({ type: 'loaded', id: request.id, info, tokenizerJson: new TextDecoder().decode(await files.read(m.tokenizer)) });
}

async function run(request: Extract<RuntimeRequest, { type: 'generate' }>): Promise<void> {
  if (!model) throw new Error('no model is loaded; load one first');
  const controller = new AbortController();
  running.set(request.id, controller);
  const started = performance.now();
  try {
    const result = await generate(model, {
      prompt: request.prompt,
      negativePrompt: request.negativePrompt,
      seed: request.seed,
      scheduler: request.scheduler,
      steps: request.steps,
      guidance: request.guidance,
      signal: controller.signal,
      onCall: async (call, calls, latent) => {
        const image = await model!.preview(latent);
        const preview = image ? { width: image.width, height: image.height, rgba: image.data.buffer } : null;
        post({ type: 'step', id: request.id, call, calls, preview }, preview ? [preview.rgba] : []);
      },
    });
    const rgba = result.image.data.buffer;
    post({ type: 'image', id: request.id, width: result.image.width, height: result.image.height, rgba, seconds: (performance.now() - started) / 1000 }, [rgba]);
  } finally {
    running.delete(request.id);
  }
}

async function answerCacheStatus(request: Extract<RuntimeRequest, { type: 'cache-status' }>): Promise<void> {
  const response = await fetch(request.manifestUrl);
  if (!response.ok) throw new Error(`${request.manifestUrl}: HTTP ${response.status}`);
  const manifest = parseManifest(await response.json(), request.manifestUrl);
  post({ type: 'cache-status', id: request.id, ...(await cacheStatus(manifest, request.manifestUrl, await opfsByteStore('models'))) });
}

/** Our kernels' device: the model's (shared with ORT's WebGPU provider) when one is loaded, else the worker's own. */
function engineGpu(): Promise<GpuContext> {
  if (model) return Promise.resolve(model.gpu);
  ownGpu ??= browserGpu();
  return ownGpu;
}

function modelProbe(m: DiffusionModel): Promise<ModelSession | null> {
  const spec = m.manifest.probe;
  probe ??= spec && readModelFile ? readModelFile(spec.file).then((bytes) => ModelSession.create('probe', bytes, { provider: 'wasm' })) : Promise.resolve(null);
  return probe;
}

/** Runs a project job with its cancel signal, removed when it ends. */
async function projectJob(request: Exclude<RuntimeRequest, { type: 'load' | 'generate' | 'cancel' | 'stop' | 'cache-status' }>): Promise<void> {
  const controller = new AbortController();
  running.set(request.id, controller);
  const job: JobContext = { id: request.id, post, signal: controller.signal };
  try {
    if (request.type === 'collect') {
      if (!model?.hook) throw new Error('collecting needs a loaded model with a hook: load one on the Model page');
      await collectJob(model, request, job);
    } else if (request.type === 'fit') {
      await fitJob(await engineGpu(), request, job);
    } else if (request.type === 'import') {
      await importJob(await engineGpu(), request, job);
    } else if (request.type === 'ablation') {
      await ablationJob(await engineGpu(), request, job);
    } else if (request.type === 'latents') {
      await latentTableJob(request, job);
    } else if (request.type === 'prewarm') {
      await prewarmJob(await engineGpu(), request, job);
    } else if (request.type === 'image-activations') {
      await imageActivationsJob(await engineGpu(), request, job);
    } else if (request.type === 'latent-maps') {
      await latentMapsJob(await engineGpu(), request, job);
    } else if (request.type === 'prompt-latents') {
      if (!model?.hook) throw new Error('ranking latents for a prompt needs the model loaded with the SAE’s hook: load it on the Model page');
      await promptLatentsJob(model, request, job);
    } else if (request.type === 'steer') {
      if (!model?.hook) throw new Error('steering needs the model loaded with the SAE’s hook: load it on the Model page');
      await steerJob(model, await modelProbe(model), request, job);
    } else {
      const stop = { controller: new AbortController(), mode: 'pause' as 'pause' | 'finish' };
      stops.set(request.id, stop);
      try {
        await trainJob(await engineGpu(), request, job, { signal: stop.controller.signal, mode: () => stop.mode });
      } finally {
        stops.delete(request.id);
      }
    }
  } finally {
    running.delete(request.id);
  }
}

self.onmessage = (event: MessageEvent<RuntimeRequest>) => {
  const request = event.data;
  if (request.type === 'cancel') {
    running.get(request.id)?.abort();
    return;
  }
  if (request.type === 'stop') {
    const stop = stops.get(request.job);
    if (stop) {
      stop.mode = request.mode;
      stop.controller.abort();
    }
    return;
  }
  const job = request.type === 'load' ? load(request) : request.type === 'generate' ? run(request) : request.type === 'cache-status' ? answerCacheStatus(request) : projectJob(request);
  job.catch((error: unknown) => {
    const message = error instanceof Error ? error.message : String(error);
    const cancelled = error instanceof GenerationCancelled || (error instanceof DOMException && error.name === 'AbortError') || running.get(request.id)?.signal.aborted === true;
    post({ type: 'error', id: request.id, message, cancelled });
  });
};
