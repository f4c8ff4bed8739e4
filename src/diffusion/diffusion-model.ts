/**
 * A text-to-image model loaded for generation: tokenizer, text encoder,
 * UNet (hooked at one block when asked) and VAE decoder as onnxruntime-web
 * sessions, from any source of model files (bundled, URL, dropped files,
 * a folder in Node). The UNet is loaded first: wasm memory grows but never
 * shrinks, so the largest allocation goes where the heap is still empty.
 */
import type { GpuContext } from '../gpu/context';
import { externalDataOf, type ModelManifest } from './manifest';
import type { ExternalDataEntry } from './manifest-types';
import { concatBytes } from '../data/concat-bytes';
import { decoderPreview, latentPreview } from './latent-preview';
import { withFloat32LayerNorms } from './onnx/fp32-layer-norm';
import { referenceInitializers } from './onnx/initializer-refs';
import { hookUnetOrRefusal, UnhookableGraphError } from './onnx/surgery';
import { ModelContractError, ModelSession, type Feed, type ProviderName } from './ort-runtime';
import { parseSchedulerConfig, type SchedulerConfig } from './schedulers';
import type { ModelFiles } from './sources/model-files';
import { loadTokenizer, type PromptTokenizer } from './tokenizer';
import type { RgbaImage } from './rgba-image';

/** The hooked block of a loaded UNet: names of its raw-output graph output and steering input, and its feature-map shape. */
export interface HookedBlock {
  path: string;
  rawOutput: string;
  steerInput: string;
  channels: number;
  height: number;
  width: number;
}

export interface LoadOptions {
  provider: ProviderName;
  /** Block to hook (module path, e.g. "up_blocks.1.attentions.1"); null loads the plain UNet. */
  hook: string | null;
  /**
   * The GPU our kernels run on. With the WebGPU provider this must be ORT's
   * own device (`GpuContext.fromDevice(await ortGpuDevice())`), so buffers pass
   * between the model and the kernels; with wasm any device.
   */
  gpu: () => Promise<GpuContext>;
  /** Which file is loading ("unet", "text encoder", …), for progress display. */
  onStage?: (stage: string) => void;
}

export interface DiffusionModel {
  readonly id: string;
  readonly manifest: ModelManifest;
  readonly provider: ProviderName;
  readonly gpu: GpuContext;
  readonly tokenizer: PromptTokenizer;
  readonly textEncoder: ModelSession;
  readonly unet: ModelSession;
  readonly vaeDecoder: ModelSession;
  /** The manifest's previewDecoder (TAESD-style), when it lists one. */
  readonly previewDecoder: ModelSession | null;
  readonly schedulerConfig: SchedulerConfig;
  readonly hook: HookedBlock | null;
  /** Why the hook asked for was refused (the graph has no block that can be found); the model is loaded unhooked, for generation. */
  readonly hookRefusal: string | null;
  /** last_hidden_state of a prompt, [contextLength, hidden] f32. */
  encodeText(prompt: string): Promise<Float32Array>;
  /**
   * A per-step preview of a diffusion latent [C, h, w] (as the sampler holds
   * it): through the preview decoder at image resolution when the manifest
   * lists one, else through its previewMatrix at latent resolution; null when
   * it has neither. Await it between the model's runs, never alongside one.
   */
  preview(latent: Float32Array): Promise<RgbaImage | null>;
  /** An all-zero steering input of `dims` (cached per shape). */
  zeroSteer(dims: readonly number[]): Feed;
  release(): Promise<void>;
}

const UNET_INPUTS = ['sample', 'timestep', 'encoder_hidden_states'];

/** The external-data name a single-file model's own bytes are passed under (no export uses it). */
const INLINE_WEIGHTS = 'single-file-model-weights';

/**
 * A model's graph and its weights as onnxruntime takes them, each byte held
 * once: an external-data layout's graph and its data files (each file's
 * `location` as the manifest names it); a single file's graph with its
 * initializers referencing the file's own bytes (onnx/initializer-refs.ts),
 * so that neither hooking nor ORT's parse copies the weights. Every graph
 * the lab loads gets its fp16 LayerNorms computed in fp32 here
 * (fp32-layer-norm.ts: ORT's WebGPU kernels overflow them, and CLIP's hidden
 * states, with outliers in the hundreds, need it as much as the UNet's);
 * the graph is a few MB by then, so the rewrite costs no copy of the weights.
 */
async function readGraph(files: ModelFiles, file: string, externalData: readonly ExternalDataEntry[], what: string): Promise<{ graph: Uint8Array; externalData?: { path: string; data: Uint8Array }[] }> {
  const bytes = await files.read(file);
  if (externalData.length > 0) {
    const data = [];
    for (const e of externalData) data.push({ path: e.location, data: await files.read(e.file) });
    return { graph: withFloat32LayerNorms(bytes, what).bytes, externalData: data };
  }
  const referenced = referenceInitializers(bytes, what, INLINE_WEIGHTS);
  return { graph: withFloat32LayerNorms(referenced.graph, what).bytes, externalData: [{ path: referenced.location, data: bytes }] };
}

/**
 * The UNet as a session, hooked at `hook` when asked (step 1 of
 * loadDiffusionModel, which loads it first and alone: also what a probe of a
 * model too large for the rest uses).
 */
export async function loadUnet(files: ModelFiles, options: { provider: ProviderName; hook: string | null }): Promise<{ unet: ModelSession; hook: HookedBlock | null; hookRefusal: string | null }> {
  const { manifest } = files;
  const what = `${manifest.name} UNet`;
  const unetFiles = await readGraph(files, manifest.unet.file, externalDataOf(manifest.unet), what);
  const result = options.hook ? hookUnetOrRefusal(unetFiles.graph, options.hook, what) : null;
  const hookRefusal = result instanceof UnhookableGraphError ? result.message : null;
  const hooked = result instanceof UnhookableGraphError ? null : result;
  // Small either way: an external-data graph, or a single file's graph whose weights are referenced (readGraph).
  const graph = hooked ? concatBytes(hooked.parts) : unetFiles.graph;
  let hook: HookedBlock | null = null;
  if (options.hook && hooked) {
    const entry = manifest.hooks?.find((h) => h.path === options.hook);
    const shape = entry ? [entry.channels, entry.height, entry.width] : hooked.shape;
    if (!shape || shape.some((v: number | string) => typeof v !== 'number')) {
      throw new ModelContractError(`${manifest.name}: the shape of hook "${options.hook}" is not in the manifest's hook catalogue nor in the graph; add it to manifest.json's "hooks"`);
    }
    const [channels, height, width] = shape as number[];
    hook = { path: options.hook, rawOutput: hooked.rawOutput, steerInput: hooked.steerInput, channels, height, width };
  }
  const unet = await ModelSession.create('UNet', graph, { provider: options.provider, externalData: unetFiles.externalData, gpuOutputs: hook ? [hook.rawOutput] : [] });
  unet.requireIo(hook ? [...UNET_INPUTS, hook.steerInput] : UNET_INPUTS, hook ? ['out_sample', hook.rawOutput] : ['out_sample']);
  return { unet, hook, hookRefusal };
}

export async function loadDiffusionModel(files: ModelFiles, options: LoadOptions): Promise<DiffusionModel> {
  const { manifest } = files;
  const { provider } = options;
  const stage = options.onStage ?? (() => {});

  // 1. UNet first (largest), hooked at the chosen block.
  stage('unet');
  const { unet, hook, hookRefusal } = await loadUnet(files, { provider, hook: options.hook });
  const gpu = await options.gpu();

  // 2. Text side and VAE.
  stage('text encoder');
  const text = await readGraph(files, manifest.textEncoder.file, [], `${manifest.name} text encoder`);
  const textEncoder = await ModelSession.create('text encoder', text.graph, { provider, externalData: text.externalData });
  textEncoder.requireIo(['input_ids'], ['last_hidden_state']);
  stage('vae decoder');
  const vaeDecoder = await ModelSession.create('VAE decoder', await files.read(manifest.vaeDecoder.file), { provider });
  vaeDecoder.requireIo(['latent_sample'], ['sample']);
  const previewEntry = manifest.previewDecoder;
  let previewDecoder: ModelSession | null = null;
  if (previewEntry) {
    stage('preview decoder');
    previewDecoder = await ModelSession.create('preview decoder', await files.read(previewEntry.file), { provider });
    previewDecoder.requireIo([previewEntry.input], [previewEntry.output]);
  }
  stage('tokenizer');
  const tokenizer = await loadTokenizer(new TextDecoder().decode(await files.read(manifest.tokenizer)), {
    contextLength: manifest.textEncoder.contextLength,
    padTokenId: manifest.textEncoder.padTokenId,
  });
  const schedulerConfig = parseSchedulerConfig(JSON.parse(new TextDecoder().decode(await files.read(manifest.scheduler))));

  const zeros = new Map<string, Feed>();
  return {
    id: files.id,
    manifest,
    provider,
    gpu,
    tokenizer,
    textEncoder,
    unet,
    vaeDecoder,
    previewDecoder,
    schedulerConfig,
    hook,
    hookRefusal,
    async encodeText(prompt) {
      const ids = tokenizer.encode(prompt);
      const out = await textEncoder.run({ input_ids: { data: Array.from(ids), dims: [1, ids.length] } }, ['last_hidden_state']);
      const hidden = out.last_hidden_state.data!;
      out.last_hidden_state.dispose();
      return hidden;
    },
    async preview(latent) {
      if (previewDecoder && previewEntry) return decoderPreview(previewDecoder, previewEntry, manifest, latent);
      if (!manifest.previewMatrix) return null;
      const h = manifest.imageSize / manifest.vaeScaleFactor;
      return latentPreview(manifest.previewMatrix, latent, manifest.latentChannels, h, h);
    },
    zeroSteer(dims) {
      const key = dims.join('x');
      let feed = zeros.get(key);
      if (!feed) {
        const count = dims.reduce((a, b) => a * b, 1);
        const half = provider === 'webgpu' && hook !== null && unet.input(hook.steerInput).type === 'float16';
        feed = provider === 'webgpu' ? { gpuBuffer: gpu.createBuffer(count * (half ? 2 : 4), 'zero steering input'), dims } : { data: new Float32Array(count), dims };
        zeros.set(key, feed);
      }
      return feed;
    },
    async release() {
      for (const feed of zeros.values()) if ('gpuBuffer' in feed) feed.gpuBuffer.destroy();
      await Promise.all([unet.release(), textEncoder.release(), vaeDecoder.release(), ...(previewDecoder ? [previewDecoder.release()] : [])]);
    },
  };
}
