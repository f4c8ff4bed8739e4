import { loadDiffusionModel, type DiffusionModel } from '../diffusion/diffusion-model';
import { configureWasm, PROVIDERS, type ProviderName } from '../diffusion/ort-runtime';
import { useNodeWebGpu } from '../diffusion/ort-runtime-node';
import type { ModelFiles } from '../diffusion/sources/model-files';
import { openModelSource, type ModelSourceOptions } from '../diffusion/sources/node';
import { nodeDawn } from '../gpu/node-gpu';
import { commandGpu, commandOrtGpu } from './gpu';
import { note } from './progress';
import { UsageError } from './usage-error';

/**
 * The model a command runs: `--model` is a folder (with manifest.json, or a
 * folder of downloaded SD 1.5 files) or a manifest URL; loaded on
 * onnxruntime-web's wasm provider (Node's build), our kernels on Dawn.
 * `hook`: a block path, 'default' for the manifest's default hook, or null for none.
 * `provider` 'webgpu' (opt-in): ORT's WebGPU provider on Dawn through the
 * JSEP build (diffusion/ort-runtime-node.ts), our kernels on ORT's device.
 */
export async function commandModel(verb: string, spec: string, hook: string | 'default' | null, provider: ProviderName = 'wasm'): Promise<DiffusionModel> {
  if (provider === 'webgpu') await useNodeWebGpu(await nodeDawn());
  configureWasm(1);
  const files = await commandModelFiles(verb, spec, { onProgress: (p) => note(`${verb}: ${p.path} ${p.fromCache ? 'from cache' : `${(p.loaded / 2 ** 20).toFixed(1)} MiB`}`) });
  if (hook === 'default') {
    hook = files.manifest.hooks?.find((h) => h.default)?.path ?? null;
    if (!hook) throw new UsageError(`${verb}: ${files.manifest.name}'s manifest marks no default hook; pass --hook`);
  }
  if (hook !== null && files.manifest.hooks && !files.manifest.hooks.some((h) => h.path === hook)) {
    throw new UsageError(`${verb}: hook "${hook}" is not a block of ${files.manifest.name}. Should be one of: ${files.manifest.hooks.map((h) => h.path).join(', ')}`);
  }
  note(`${verb}: loading ${files.manifest.name}${hook ? ` hooked at ${hook}` : ''} (onnxruntime-web ${provider})`);
  // With the WebGPU provider our kernels must run on ORT's device, so buffers pass between them.
  const model = await loadDiffusionModel(files, { provider, hook, gpu: provider === 'webgpu' ? commandOrtGpu : commandGpu });
  // A graph with no hookable block loads unhooked; a verb that asked for a hook cannot use it.
  if (model.hookRefusal) {
    await model.release();
    throw new UsageError(`${verb}: ${model.hookRefusal}`);
  }
  return model;
}

/** `--provider`'s help line, for the verbs that load a model. */
export const PROVIDER_HELP = `onnxruntime-web execution provider: ${PROVIDERS.join(' or ')} (default wasm; webgpu runs ORT's WebGPU kernels on Dawn, slow on a CPU Vulkan driver)`;

/** `--model`'s files without loading any graph; a model that cannot be opened is a UsageError naming `spec`. */
export async function commandModelFiles(verb: string, spec: string, options?: ModelSourceOptions): Promise<ModelFiles> {
  try {
    return await openModelSource(spec, options);
  } catch (error) {
    throw new UsageError(`${verb}: cannot open model "${spec}": ${(error as Error).message.split('\n')[0]}`);
  }
}

/** `--model`'s help line. */
export const MODEL_HELP = 'model folder (manifest.json) or manifest URL';
