/**
 * Load a model from its manifest URL (files cached in OPFS; a cancelled load
 * keeps the bytes so far and the next one resumes them), replacing the one
 * loaded. Provider "auto": onnxruntime-web's WebGPU provider on a real GPU,
 * its wasm provider on a CPU-fallback adapter (SwiftShader computes at well
 * under 1 GFLOP/s, slower than wasm SIMD). Before the large files are
 * fetched, the model is checked against the provider, the adapter and the
 * storage (model-preflight.ts).
 */
import { loadDiffusionModel } from '../../diffusion/diffusion-model';
import { defaultHook } from '../../diffusion/manifest';
import { configureWasm, ortGpuDevice, type ProviderName } from '../../diffusion/ort-runtime';
import type { SchedulerConfig, SchedulerName } from '../../diffusion/schedulers';
import { ModelFitError } from '../../diffusion/model-fit';
import { preflightModel } from '../../diffusion/model-preflight';
import type { ByteStore } from '../../diffusion/sources/byte-store';
import type { ModelFiles } from '../../diffusion/sources/model-files';
import { opfsByteStore } from '../../diffusion/sources/opfs-store';
import { cacheStatus, openUrlModel } from '../../diffusion/sources/url-model';
import { wasmThreadCount, type WasmThreadsSetting } from '../../diffusion/wasm-threads';
// The standalone Emscripten glue and binary, served as files (Vite's ?url): ORT's pthreads load the glue by its own URL.
import ortWasmGlueUrl from 'onnxruntime-web/ort-wasm-simd-threaded.jsep.mjs?url';
import ortWasmBinaryUrl from 'onnxruntime-web/ort-wasm-simd-threaded.jsep.wasm?url';
import { browserGpu } from '../../gpu/browser-gpu';
import { GpuContext } from '../../gpu/context';
import { JobError } from '../job-error';
import { releaseModel, setModel } from '../loaded-model';
import type { JobContext, JobProgress } from './job-context';

export type ProviderChoice = 'auto' | ProviderName;

export interface LoadRequest {
  manifestUrl: string;
  provider: ProviderChoice;
  /** A block path, 'default' for the manifest's default hook, or null for none. */
  hook: string | 'default' | null;
  wasmThreads: WasmThreadsSetting;
}

export interface LoadedModelInfo {
  name: string;
  provider: ProviderName;
  /** Why this provider: the user's choice, or what "auto" decided. */
  providerReason: string;
  /** onnxruntime-web's wasm thread pool (its CPU kernels, for either provider) and why that many. */
  wasmThreads: { threads: number; reason: string };
  /** Whether per-step previews go through the manifest's preview decoder (else its latent → RGB map). */
  previewDecoder: boolean;
  hook: string | null;
  /** Why no block could be hooked (the graph has neither module-scoped node names nor named parameters); the model still generates. */
  hookRefusal: string | null;
  hooks: { path: string; channels: number; height: number; width: number; default: boolean }[];
  sampler: { scheduler: SchedulerName; steps: number; guidance: number };
  /** The scheduler's config (plain data), so the page can list a run's timesteps. */
  schedulerConfig: SchedulerConfig;
  imageSize: number;
  /** Token ids per prompt the text encoder reads. */
  contextLength: number;
  seconds: number;
}

/** `tokenizerJson`: the model's tokenizer.json, for the prompt preview's token counts. */
export interface LoadResult {
  info: LoadedModelInfo;
  tokenizerJson: string;
}

/** The thread count ORT's pool started with (it starts once, with the first session), and why. */
let startedThreads: { threads: number; reason: string } | null = null;

/** Starts ORT's pool with the setting on the first load; later loads report the pool that runs. */
function startWasm(setting: WasmThreadsSetting): { threads: number; reason: string } {
  const wanted = wasmThreadCount(setting, { crossOriginIsolated: self.crossOriginIsolated, cores: navigator.hardwareConcurrency || 1 });
  if (!startedThreads) {
    // The glue's own URL, not the copy bundled into this worker: see configureWasm.
    configureWasm(wanted.threads, { mjs: ortWasmGlueUrl, wasm: ortWasmBinaryUrl });
    startedThreads = wanted;
  }
  if (wanted.threads === startedThreads.threads) return startedThreads;
  return { threads: startedThreads.threads, reason: `${startedThreads.reason}; the setting of ${wanted.threads} applies when the page reloads` };
}

/**
 * The provider and, for the checks before download, the adapter WebGPU would
 * use: requested as our kernels and ORT request it (high-performance), so
 * its features and limits are the ones that run.
 */
async function chooseProvider(choice: ProviderChoice): Promise<{ provider: ProviderName; reason: string; adapter: GPUAdapter | null }> {
  const adapter = (await navigator.gpu?.requestAdapter({ powerPreference: 'high-performance' })) ?? null;
  if (choice !== 'auto') return { provider: choice, reason: 'chosen', adapter };
  if (!adapter) return { provider: 'wasm', reason: 'no WebGPU adapter', adapter };
  const fallback = adapter.info.isFallbackAdapter ?? false;
  return fallback ? { provider: 'wasm', reason: 'CPU-fallback GPU adapter: wasm is faster', adapter } : { provider: 'webgpu', reason: 'GPU adapter', adapter };
}

/** The checks before download (model-preflight.ts); a model that cannot run here is an 'unsupported' JobError whose hint is the fix. */
async function preflight(files: ModelFiles, manifestUrl: string, store: ByteStore, provider: ProviderName, adapter: GPUAdapter | null): Promise<void> {
  const { total, cached } = await cacheStatus(files.manifest, manifestUrl, store);
  try {
    await preflightModel(files, { provider, adapter, storage: { toDownload: total - cached, available: await store.available(), label: store.label } });
  } catch (error) {
    if (error instanceof ModelFitError) throw new JobError('unsupported', error.message, error.fix);
    throw error;
  }
}

export async function loadJob(request: LoadRequest, job: JobContext<JobProgress>): Promise<LoadResult> {
  const started = performance.now();
  const { provider, reason, adapter } = await chooseProvider(request.provider);
  const threads = startWasm(request.wasmThreads);
  const store = await opfsByteStore('models');
  const files = await openUrlModel(request.manifestUrl, {
    store,
    signal: job.signal,
    onProgress: (p) => job.emit({ type: 'progress', stage: p.path, loaded: p.loaded, total: p.total, bytesPerSecond: p.bytesPerSecond, etaSeconds: p.etaSeconds }),
  });
  await preflight(files, request.manifestUrl, store, provider, adapter);
  await releaseModel();
  const model = await loadDiffusionModel(files, {
    provider,
    hook: request.hook === 'default' ? defaultHook(files.manifest) : request.hook,
    // With the WebGPU provider our kernels must run on ORT's device, so buffers pass between them.
    gpu: provider === 'webgpu' ? async () => GpuContext.fromDevice(await ortGpuDevice()) : browserGpu,
    onStage: (stage) => job.emit({ type: 'progress', stage: `loading ${stage}`, loaded: 0, total: null, bytesPerSecond: 0, etaSeconds: null }),
  });
  setModel(model, (path) => files.read(path));
  const m = model.manifest;
  const info: LoadedModelInfo = {
    name: m.name,
    provider,
    providerReason: reason,
    wasmThreads: threads,
    previewDecoder: model.previewDecoder !== null,
    hook: model.hook?.path ?? null,
    hookRefusal: model.hookRefusal,
    hooks: (m.hooks ?? []).map((h) => ({ path: h.path, channels: h.channels, height: h.height, width: h.width, default: h.default === true })),
    sampler: { scheduler: m.sampler.name, steps: m.sampler.steps, guidance: m.sampler.guidanceScale },
    schedulerConfig: model.schedulerConfig,
    imageSize: m.imageSize,
    contextLength: m.textEncoder.contextLength,
    seconds: (performance.now() - started) / 1000,
  };
  return { info, tokenizerJson: new TextDecoder().decode(await files.read(m.tokenizer)) };
}
