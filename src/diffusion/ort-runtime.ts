/**
 * The only engine module that imports onnxruntime-web. Sessions are created
 * here, their input dtypes and shapes are read from the session (never
 * assumed: `timestep` is int64, float32 or float16 depending on the export),
 * and every value crosses this boundary as f32 in our code. fp16 inputs are
 * fed as `Uint16Array` bit patterns, which ORT accepts for float16 with or
 * without a `Float16Array` global (with one, it views the same bytes as a
 * `Float16Array`); fp16 outputs arrive as either (`outputValuesToF32`).
 *
 * Which bundle: `onnxruntime-web` (the JSEP build) rather than
 * `onnxruntime-web/webgpu`. The JSEP build carries both the wasm and the
 * WebGPU execution providers in one wasm binary, and it is the build whose
 * `env.webgpu.device` and `Tensor.fromGpuBuffer` we checked in headless
 * Chromium: ORT creates the GPUDevice and our kernels run on it,
 * so hooked activations and steering inputs stay on the GPU. The
 * `/webgpu` entry is the newer native-EP build (asyncify wasm), which
 * exposes no device we could share. In Node the package resolves to its
 * wasm-only build; ort-runtime-node.ts swaps in the JSEP build for the
 * WebGPU provider on Dawn (`useOrtBuild`).
 */
import * as ortDefault from 'onnxruntime-web';
import { f16ArrayToF32, f32ArrayToF16 } from '../data/float16';

/** An onnxruntime-web build's exports: the package's own, or one that `useOrtBuild` swapped in. */
export type OrtBuild = typeof ortDefault;

let ort: OrtBuild = ortDefault;
let sessionsCreated = 0;

/**
 * Runs every later session, tensor and env setting on `build` (Node only:
 * the JSEP bundle, for the WebGPU provider). Before the first session only:
 * sessions and tensors of two builds do not mix (each build has its own
 * `Tensor` class and wasm instance).
 */
export function useOrtBuild(build: OrtBuild): void {
  if (sessionsCreated > 0) throw new Error(`useOrtBuild: ${sessionsCreated} session(s) already exist on the current build; switch builds before the first session`);
  ort = build;
}

export type ProviderName = 'wasm' | 'webgpu';
export const PROVIDERS: readonly ProviderName[] = ['wasm', 'webgpu'];

/** Element types an input or output of our graphs may have. */
export type ValueType = 'float32' | 'float16' | 'int64' | 'int32';
const VALUE_TYPES: readonly ValueType[] = ['float32', 'float16', 'int64', 'int32'];

/** Name, element type and shape (numbers, or symbolic names) of one graph input or output. */
export interface ValueInfo {
  name: string;
  type: ValueType;
  shape: readonly (number | string)[];
}

export interface SessionOptions {
  provider: ProviderName;
  /** External-data files the graph refers to: `path` must equal the graph's `location` string. */
  externalData?: { path: string; data: Uint8Array }[];
  /** Outputs that stay on the GPU (WebGPU provider only): hooked activations read by our kernels. */
  gpuOutputs?: readonly string[];
}

/** A value fed to a session: f32 data (converted to the input's dtype here) or a GPU buffer of the input's dtype. */
export type Feed = { data: Float32Array | readonly number[]; dims: readonly number[] } | { gpuBuffer: GPUBuffer; dims: readonly number[] };

/** A session output: f32 on the CPU, or a GPU buffer that the caller must `dispose()` after use. */
export interface OutputValue {
  dims: readonly number[];
  type: ValueType;
  /** Present for CPU outputs. */
  data?: Float32Array;
  /** Present for GPU outputs (WebGPU provider, `gpuOutputs`). */
  gpuBuffer?: GPUBuffer;
  dispose(): void;
}

/** Thrown when a graph does not have the inputs or outputs the model contract names. */
export class ModelContractError extends Error {
  override name = 'ModelContractError';
}

/** One ONNX graph loaded in onnxruntime-web, with its IO read from the session. */
export class ModelSession {
  private constructor(
    private readonly session: ortDefault.InferenceSession,
    readonly label: string,
    readonly provider: ProviderName,
    readonly inputs: ReadonlyMap<string, ValueInfo>,
    readonly outputs: ReadonlyMap<string, ValueInfo>,
  ) {}

  static async create(label: string, model: Uint8Array, options: SessionOptions): Promise<ModelSession> {
    if (!PROVIDERS.includes(options.provider)) {
      throw new RangeError(`execution provider "${options.provider}" is unknown. Should be one of: ${PROVIDERS.join(', ')}`);
    }
    if (options.provider === 'webgpu') {
      // ORT requests its own adapter when the first WebGPU session starts; ask for the one our kernels and the
      // load's checks ask for (gpu/browser-gpu.ts, load-job.ts), so features and limits are the ones checked.
      ort.env.webgpu.powerPreference = 'high-performance';
    }
    const sessionOptions: ortDefault.InferenceSession.SessionOptions = {
      executionProviders: [options.provider],
      graphOptimizationLevel: 'all',
      // Set, not left to ORT 1.30's defaults (both off in onnxruntime-web), because SD 1.5 fails without them:
      // a memory pattern plans one block for every activation of a run, per input shape, and keeps it; with
      // the arena, freed blocks stay reserved. In a 4 GiB wasm heap shared by all sessions, neither can be afforded.
      enableMemPattern: false,
      enableCpuMemArena: false,
      // Each initializer its own allocation from the provider's allocator, not a chunk of an arena rounded up.
      // Weights passed as external data (diffusion-model.ts passes every UNet's that way) go from that
      // JavaScript buffer straight to a GPU buffer with the WebGPU provider, never through the wasm heap.
      extra: { session: { use_device_allocator_for_initializers: '1' } },
      ...(options.externalData ? { externalData: options.externalData.map((e) => ({ path: e.path, data: e.data })) } : {}),
    };
    if (options.gpuOutputs?.length && options.provider === 'webgpu') {
      sessionOptions.preferredOutputLocation = Object.fromEntries(options.gpuOutputs.map((n) => [n, 'gpu-buffer' as const]));
    }
    let session: ortDefault.InferenceSession;
    try {
      session = await ort.InferenceSession.create(model, sessionOptions);
      sessionsCreated++;
    } catch (error) {
      throw new ModelContractError(`${label}: onnxruntime could not load the graph (${firstLine(error)}). Check that the file is a complete ONNX model and, for external data, that the data file is beside it.`);
    }
    return new ModelSession(session, label, options.provider, valueInfos(label, session.inputMetadata), valueInfos(label, session.outputMetadata));
  }

  /** Checks that the graph has every named input and output; the message lists what it has. */
  requireIo(inputs: readonly string[], outputs: readonly string[]): void {
    for (const [names, have, kind] of [[inputs, this.inputs, 'input'], [outputs, this.outputs, 'output']] as const) {
      for (const name of names) {
        if (!have.has(name)) {
          throw new ModelContractError(`${this.label} has no ${kind} "${name}"; it has: ${[...have.keys()].join(', ')}. Is this the right file for the ${this.label}?`);
        }
      }
    }
  }

  input(name: string): ValueInfo {
    const info = this.inputs.get(name);
    if (!info) throw new ModelContractError(`${this.label} has no input "${name}"; it has: ${[...this.inputs.keys()].join(', ')}`);
    return info;
  }

  /** Runs the graph; returns the requested outputs (all by default). */
  async run(feeds: Record<string, Feed>, outputNames?: readonly string[]): Promise<Record<string, OutputValue>> {
    const ortFeeds: Record<string, ortDefault.Tensor> = {};
    for (const [name, feed] of Object.entries(feeds)) ortFeeds[name] = this.toTensor(this.input(name), feed);
    const names = outputNames ?? [...this.outputs.keys()];
    const results = await this.session.run(ortFeeds, names as string[]);
    const out: Record<string, OutputValue> = {};
    for (const name of names) out[name] = await fromTensor(results[name]);
    return out;
  }

  async release(): Promise<void> {
    await this.session.release();
  }

  private toTensor(info: ValueInfo, feed: Feed): ortDefault.Tensor {
    if ('gpuBuffer' in feed) {
      if (info.type !== 'float32' && info.type !== 'float16') throw new ModelContractError(`${this.label} input "${info.name}" is ${info.type}; GPU feeds are float only`);
      return ort.Tensor.fromGpuBuffer(feed.gpuBuffer, { dataType: info.type, dims: feed.dims });
    }
    const dims = [...feed.dims];
    const values = feed.data;
    switch (info.type) {
      case 'float32':
        return new ort.Tensor('float32', values instanceof Float32Array ? values : Float32Array.from(values), dims);
      case 'float16':
        return new ort.Tensor('float16', f32ArrayToF16(values instanceof Float32Array ? values : Float32Array.from(values)), dims);
      case 'int64':
        return new ort.Tensor('int64', BigInt64Array.from(values, (v) => BigInt(Math.round(v))), dims);
      case 'int32':
        return new ort.Tensor('int32', Int32Array.from(values, (v) => Math.round(v)), dims);
    }
  }
}

function firstLine(error: unknown): string {
  return (error instanceof Error ? error.message : String(error)).split('\n')[0];
}

function valueInfos(label: string, metadata: readonly ortDefault.InferenceSession.ValueMetadata[]): Map<string, ValueInfo> {
  const map = new Map<string, ValueInfo>();
  for (const m of metadata) {
    if (!m.isTensor) throw new ModelContractError(`${label}: value "${m.name}" is not a tensor`);
    const type = m.type as ValueType;
    if (!VALUE_TYPES.includes(type)) throw new ModelContractError(`${label}: value "${m.name}" has element type ${m.type}; supported: ${VALUE_TYPES.join(', ')}`);
    map.set(m.name, { name: m.name, type, shape: m.shape });
  }
  return map;
}

async function fromTensor(t: ortDefault.Tensor): Promise<OutputValue> {
  const type = t.type as ValueType;
  if (t.location === 'gpu-buffer') {
    return { dims: t.dims, type, gpuBuffer: t.gpuBuffer as GPUBuffer, dispose: () => t.dispose() };
  }
  const data = outputValuesToF32(t.type, t.data);
  return { dims: t.dims, type, data, dispose: () => t.dispose() };
}

/**
 * A CPU output's values as f32. ORT 1.30 allocates float16 outputs as
 * `Float16Array` wherever that global exists (Chrome 135+), else as
 * `Uint16Array` (Node 20). Both hold binary16 bits in their buffer, so both
 * are widened from those bits; a `Float16Array` polyfill (a Proxy, not a
 * typed-array view) is read element by element, as the numbers it gives.
 */
export function outputValuesToF32(type: string, raw: unknown): Float32Array {
  if (type === 'float32' && raw instanceof Float32Array) return raw;
  if (type === 'float16') {
    if (raw instanceof Uint16Array) return f16ArrayToF32(raw);
    if (ArrayBuffer.isView(raw) && (raw as { BYTES_PER_ELEMENT?: number }).BYTES_PER_ELEMENT === 2) {
      return f16ArrayToF32(new Uint16Array(raw.buffer, raw.byteOffset, raw.byteLength / 2));
    }
    if (isNumberArrayLike(raw)) return Float32Array.from(raw);
  }
  if (type === 'int64' && raw instanceof BigInt64Array) return Float32Array.from(raw, (v) => Number(v));
  if (type === 'int32' && raw instanceof Int32Array) return Float32Array.from(raw);
  const kind = typeof raw === 'object' && raw !== null ? raw.constructor.name : typeof raw;
  throw new ModelContractError(`output of type ${type} came as ${kind} and cannot be read as numbers`);
}

function isNumberArrayLike(raw: unknown): raw is ArrayLike<number> {
  if (typeof raw !== 'object' || raw === null) return false;
  const { length } = raw as { length?: unknown };
  return Number.isSafeInteger(length) && (length === 0 || typeof (raw as ArrayLike<unknown>)[0] === 'number');
}

/** The GPUDevice ORT created for its WebGPU provider, once a WebGPU session exists (ORT ignores a device we set into env.webgpu.device before it: it creates its own). */
export async function ortGpuDevice(): Promise<GPUDevice> {
  return (await ort.env.webgpu.device) as GPUDevice;
}

/** Where the standalone Emscripten glue (`ort-wasm-simd-threaded.jsep.mjs`) and its `.wasm` are served. */
export interface WasmFiles {
  mjs: string;
  wasm: string;
}

/**
 * Process-wide wasm settings, read once, when the first session is created.
 * Multi-threaded wasm needs cross-origin isolation (COOP/COEP) in the page;
 * Node's build is single-threaded.
 *
 * `files`: in a bundled browser worker, pass the glue's own URL. ORT's
 * pthreads are `new Worker(new URL(import.meta.url), { name: 'em-pthread' })`
 * from the glue; with the glue embedded in a bundle, `import.meta.url` is the
 * bundle itself, so each pthread re-ran our whole worker, whose
 * `self.onmessage` replaced Emscripten's: the pthreads never answered
 * "loaded" and session creation never settled.
 */
export function configureWasm(threads: number, files?: WasmFiles): void {
  if (!Number.isInteger(threads) || threads < 1) throw new RangeError(`wasm threads = ${threads}, but it must be a positive integer`);
  ort.env.wasm.numThreads = threads;
  if (files) ort.env.wasm.wasmPaths = { mjs: files.mjs, wasm: files.wasm };
}

export const ORT_VERSION: string = ort.env.versions.web ?? 'unknown';
