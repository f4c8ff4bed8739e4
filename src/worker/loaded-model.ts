/**
 * The worker's one loaded model (ORT sessions, its GPU device, the toy's
 * attribute probe) and the device our kernels run on, shared by every job.
 * A new load replaces the model and releases the old one.
 */
import type { DiffusionModel } from '../diffusion/diffusion-model';
import { ModelSession } from '../diffusion/ort-runtime';
import { browserGpu } from '../gpu/browser-gpu';
import type { GpuContext } from '../gpu/context';
import { deviceWatch } from './device-loss';
import { JobError } from './job-error';

let model: DiffusionModel | null = null;
/** The loaded model's attribute probe (the toy's), created on first use; null: the model has none. */
let probe: Promise<ModelSession | null> | null = null;
let readModelFile: ((path: string) => Promise<Uint8Array>) | null = null;
let ownGpu: Promise<GpuContext> | null = null;

/** Releases the loaded model (and its probe) before another is loaded. */
export async function releaseModel(): Promise<void> {
  if (model) deviceWatch.unwatch(model.gpu);
  await model?.release();
  model = null;
  void (await probe)?.release();
  probe = null;
  readModelFile = null;
}

export function setModel(loaded: DiffusionModel, read: (path: string) => Promise<Uint8Array>): void {
  deviceWatch.watch(loaded.gpu);
  model = loaded;
  readModelFile = read;
}

export function loadedModel(): DiffusionModel | null {
  return model;
}

/**
 * The loaded model when it records a hook; else a bad-input error with
 * `missing` (what needs it and what to do) and, when the graph refused every
 * hook, why (loading it again would not help).
 */
export function hookedModel(missing: string): DiffusionModel {
  if (!model?.hook) throw new JobError('bad-input', model?.hookRefusal ? `${missing}. This model cannot be hooked: ${model.hookRefusal}` : missing);
  return model;
}

/** Our kernels' device: the model's (shared with ORT's WebGPU provider) when one is loaded, else the worker's own. */
export function engineGpu(): Promise<GpuContext> {
  if (model) return Promise.resolve(model.gpu);
  ownGpu ??= browserGpu().then((ctx) => deviceWatch.watch(ctx));
  return ownGpu;
}

export function modelProbe(m: DiffusionModel): Promise<ModelSession | null> {
  const spec = m.manifest.probe;
  const read = readModelFile;
  probe ??= spec && read ? read(spec.file).then((bytes) => ModelSession.create('probe', bytes, { provider: 'wasm' })) : Promise.resolve(null);
  return probe;
}
