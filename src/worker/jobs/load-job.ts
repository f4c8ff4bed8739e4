/**
 * Load a model from its manifest URL (files cached in OPFS; a cancelled load
 * keeps the bytes so far and the next one resumes them), replacing the one
 * loaded. Provider "auto": onnxruntime-web's WebGPU provider on a real GPU,
 * its wasm provider on a CPU-fallback adapter (SwiftShader computes at well
 * under 1 GFLOP/s, slower than wasm SIMD).
 */
import { loadDiffusionModel } from '../../diffusion/diffusion-model';
import { defaultHook } from '../../diffusion/manifest';
import { configureWasm, ortGpuDevice, type ProviderName } from '../../diffusion/ort-runtime';
import type { SchedulerConfig, SchedulerName } from '../../diffusion/schedulers';
import { opfsByteStore } from '../../diffusion/sources/opfs-store';
import { openUrlModel } from '../../diffusion/sources/url-model';
import { wasmThreadCount, type WasmThreadsSetting } from '../../diffusion/wasm-threads';
// The standalone Emscripten glue and binary, served as files (Vite's ?url): ORT's pthreads load the glue by its own URL.
import ortWasmGlueUrl from 'onnxruntime-web/ort-wasm-simd-threaded.jsep.mjs?url';
import ortWasmBinaryUrl from 'onnxruntime-web/ort-wasm-simd-threaded.jsep.wasm?url';
import { browserGpu } from '../../gpu/browser-gpu';
import { GpuContext } from '../../gpu/context';
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

async function chooseProvider(choice: ProviderChoice): Promise<{ provider: ProviderName; reason: string }> {
  if (choice !== 'auto') return { provider: choice, reason: 'chosen' };
  const adapter = await navigator.gpu?.requestAdapter();
  if (!adapter) return { provider: 'wasm', reason: 'no WebGPU adapter' };
  const fallback = adapter.info.isFallbackAdapter ?? false;
  return fallback ? { provider: 'wasm', reason: 'CPU-fallback GPU adapter: wasm is faster' } : { provider: 'webgpu', reason: 'GPU adapter' };
}

export async function loadJob(request: LoadRequest, job: JobContext<JobProgress>): Promise<LoadResult> {
  const started = performance.now();
  const { provider, reason } = await chooseProvider(request.provider);
  const threads = startWasm(request.wasmThreads);
  const store = await opfsByteStore('models');
  const files = await openUrlModel(request.manifestUrl, {
    store,
    signal: job.signal,
    onProgress: (p) => job.emit({ type: 'progress', stage: p.path, loaded: p.loaded, total: p.total, bytesPerSecond: p.bytesPerSecond, etaSeconds: p.etaSeconds }),
  });
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
    hooks: (m.hooks ?? []).map((h) => ({ path: h.path, channels: h.channels, height: h.height, width: h.width, default: h.default === true })),
    sampler: { scheduler: m.sampler.name, steps: m.sampler.steps, guidance: m.sampler.guidanceScale },
    schedulerConfig: model.schedulerConfig,
    imageSize: m.imageSize,
    contextLength: m.textEncoder.contextLength,
    seconds: (performance.now() - started) / 1000,
  };
  return { info, tokenizerJson: new TextDecoder().decode(await files.read(m.tokenizer)) };
}
