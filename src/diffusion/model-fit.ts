/**
 * Whether a model can run here, decided before a byte of it is downloaded:
 * a pure function of the manifest, the file sizes, the provider, the GPU
 * adapter's features and limits and the storage left. Each problem says
 * what is wrong and how to fix it, so a 2 GB download never ends in an
 * error from deep inside onnxruntime.
 */
import { externalDataOf, type ModelManifest } from './manifest';
import type { ProviderName } from './ort-runtime';
import { formatBytes } from './sources/source-error';
import { STORAGE_FIX, storageShortfall } from './sources/storage-space';

/** What the WebGPU provider's adapter offers (a GPUAdapter's `features` and `limits` fit). */
export interface AdapterFacts {
  features: { has(name: string): boolean };
  limits: { maxStorageBufferBindingSize: number; maxBufferSize: number };
}

export interface FitInput {
  manifest: ModelManifest;
  provider: ProviderName;
  /** The adapter the WebGPU provider runs on (requested as ORT requests it); null when there is none. */
  adapter: AdapterFacts | null;
  /** Each model file's size by path (the manifest's bytes, else what the source says); null where unknown. */
  fileBytes: (path: string) => number | null;
  /** Side of the generated image; default the manifest's imageSize (hook shapes are given at that size). */
  imageSize?: number;
  /** The download's storage: bytes still to fetch, bytes available (null: the platform does not say), and where. */
  storage?: { toDownload: number; available: number | null; label: string };
  /** The UNet's largest initializer, read from its graph before its weights are downloaded; absent when unknown. */
  largestInitializer?: { name: string; bytes: number } | null;
}

export type FitCheck = 'shader-f16' | 'wasm-memory' | 'gpu-limits' | 'storage';

export interface FitProblem {
  check: FitCheck;
  /** What does not fit, with the numbers. */
  message: string;
  /** What the user can do about it. */
  fix: string;
}

/** Thrown by the load path when the model cannot run here; `fix` is what to do. */
export class ModelFitError extends Error {
  override name = 'ModelFitError';
  readonly fix: string;
  constructor(readonly problems: readonly FitProblem[]) {
    super(problems.map((p) => p.message).join(' '));
    this.fix = problems.map((p) => p.fix).join(' ');
  }
}

/** wasm32 addresses at most 4 GiB, and every session of the page shares that one heap. */
export const WASM_HEAP_BYTES = 4 * 2 ** 30;
/**
 * Attention heads per block: SD 1.x's UNet (attention_head_dim 8). Attention
 * scores [batch·heads, tokens, tokens] are the largest activation of SD's
 * UNet (at 512 px, 4096 tokens in the first blocks: 537 MB in fp16).
 */
const ATTENTION_HEADS = 8;
/** Guided generation runs the conditional and unconditional halves as one batch. */
const GUIDED_BATCH = 2;
/**
 * onnxruntime's CPU kernels have few fp16 implementations, so it inserts
 * Casts to fp32 around them and constant-folds the casts of the weights at
 * load: the wasm heap holds each fp16 weight and its fp32 copy (2 + 4 bytes
 * for 2 on disk).
 */
const FP16_WEIGHTS_IN_WASM = 3;

/** Bytes of the graphs and weights a generation loads (UNet with its data files, text encoder, VAE decoder, preview decoder); unknown sizes count 0. */
export function generationWeightBytes(manifest: ModelManifest, fileBytes: (path: string) => number | null): number {
  const paths = [manifest.unet.file, ...externalDataOf(manifest.unet).map((e) => e.file), manifest.textEncoder.file, manifest.vaeDecoder.file];
  if (manifest.previewDecoder) paths.push(manifest.previewDecoder.file);
  return paths.reduce((n, p) => n + (fileBytes(p) ?? 0), 0);
}

/**
 * The largest attention-score tensor of a guided UNet call at `imageSize`,
 * [2·heads, n, n] with n the tokens of the largest attention block in the
 * manifest's hook catalogue, at `elementBytes` per value; 0 when the
 * catalogue lists no attention block.
 */
export function attentionScoreBytes(manifest: ModelManifest, imageSize: number, elementBytes: number): number {
  const scale = (imageSize / manifest.imageSize) ** 2;
  const tokens = Math.max(0, ...(manifest.hooks ?? []).filter((h) => /(^|\.)attentions\./.test(h.path)).map((h) => h.height * h.width * scale));
  return GUIDED_BATCH * ATTENTION_HEADS * tokens * tokens * elementBytes;
}

/** The wasm heap a generation needs: weights as onnxruntime's CPU kernels hold them, plus attention scores and their softmax (fp32). */
export function wasmHeapEstimate(manifest: ModelManifest, fileBytes: (path: string) => number | null, imageSize = manifest.imageSize): { weights: number; attention: number; total: number } {
  const weights = generationWeightBytes(manifest, fileBytes) * (manifest.precision === 'fp16' ? FP16_WEIGHTS_IN_WASM : 1);
  const attention = 2 * attentionScoreBytes(manifest, imageSize, 4);
  return { weights, attention, total: weights + attention };
}

/** Every reason the model cannot run as asked; empty when it can. */
export function modelFitProblems(input: FitInput): FitProblem[] {
  const { manifest, provider, adapter } = input;
  const imageSize = input.imageSize ?? manifest.imageSize;
  const name = manifest.name;
  const problems: FitProblem[] = [];

  if (provider === 'webgpu' && adapter && manifest.precision === 'fp16' && !adapter.features.has('shader-f16')) {
    problems.push({
      check: 'shader-f16',
      message: `${name} is an fp16 model, and this GPU adapter lacks WebGPU's "shader-f16" feature, which onnxruntime's WebGPU provider needs for fp16 graphs.`,
      fix: 'Use a browser and GPU that offer shader-f16 (Chrome 121 or later on most desktop GPUs; check chrome://gpu), or an fp32 export of the model.',
    });
  }

  if (provider === 'wasm') {
    const heap = wasmHeapEstimate(manifest, input.fileBytes, imageSize);
    if (heap.total > WASM_HEAP_BYTES) {
      const widened = manifest.precision === 'fp16' ? ', fp16 weights kept beside their fp32 copies for onnxruntime\'s CPU kernels' : '';
      problems.push({
        check: 'wasm-memory',
        message: `${name} needs about ${formatBytes(heap.total)} of wasm memory at ${imageSize} px (${formatBytes(heap.weights)} for the weights${widened}; ${formatBytes(heap.attention)} for the largest attention), and a wasm heap holds at most ${formatBytes(WASM_HEAP_BYTES)}.`,
        fix: 'Choose the WebGPU provider on a GPU; the wasm provider runs only small models such as the toy.',
      });
    }
  }

  if (provider === 'webgpu' && adapter) {
    const limit = Math.min(adapter.limits.maxStorageBufferBindingSize, adapter.limits.maxBufferSize);
    const attention = { name: `the attention scores at ${imageSize} px`, bytes: attentionScoreBytes(manifest, imageSize, manifest.precision === 'fp16' ? 2 : 4) };
    const largest = [attention, input.largestInitializer ?? { name: '', bytes: 0 }].reduce((a, b) => (b.bytes > a.bytes ? b : a));
    if (largest.bytes > limit) {
      const tensor = largest === attention ? largest.name : `the UNet weight ${largest.name}`;
      problems.push({
        check: 'gpu-limits',
        message: `${name}: its largest tensor, ${tensor}, is ${formatBytes(largest.bytes)}, and this GPU adapter allows ${formatBytes(limit)} in one buffer (maxStorageBufferBindingSize ${formatBytes(adapter.limits.maxStorageBufferBindingSize)}, maxBufferSize ${formatBytes(adapter.limits.maxBufferSize)}).`,
        fix: "Use a GPU whose adapter allows larger buffers (desktop GPUs usually allow 2 GiB or more; webgpureport.org lists a browser's limits).",
      });
    }
  }

  if (input.storage) {
    const { toDownload, available, label } = input.storage;
    const shortfall = storageShortfall(toDownload, available, label, name);
    if (shortfall) problems.push({ check: 'storage', message: `${shortfall}.`, fix: `${STORAGE_FIX}.` });
  }
  return problems;
}
