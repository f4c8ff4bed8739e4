/**
 * The model contract (DESIGN §3): `manifest.json` beside a model's files
 * names them, the image and latent geometry, the sampler defaults and the
 * hook catalogue. File paths are relative to the manifest (or absolute
 * URLs, for a file that lives elsewhere, such as CLIP's tokenizer.json);
 * `files` gives the expected size (and sha256 where known) of each, so a
 * download is checked and a truncated file is named.
 */
import { SCHEDULER_NAMES, type SchedulerName } from './schedulers';

export interface HookEntry {
  /** Module path, e.g. "up_blocks.1.attentions.1". */
  path: string;
  channels: number;
  height: number;
  width: number;
  /** The block output's tensor name in the graph, when known. */
  onnxOutput?: string;
  default?: boolean;
}

export interface FileCheck {
  bytes: number;
  sha256?: string;
}

export interface ModelManifest {
  name: string;
  description?: string;
  /** Where the files come from (for people; downloads use the paths). */
  source?: { repo: string; revision: string; notes?: string };
  imageSize: number;
  latentChannels: number;
  /** Image pixels per latent pixel. */
  vaeScaleFactor: number;
  /** Latents are VAE latents × latentScale (SD 1.5: 0.18215). */
  latentScale: number;
  /** fp16 graphs need shader-f16 on the WebGPU provider. */
  precision?: 'fp32' | 'fp16';
  textEncoder: { file: string; contextLength: number; hiddenSize: number; padTokenId: number };
  /** `externalData.location` must equal the location string inside the graph. */
  unet: { file: string; externalData?: { file: string; location: string } };
  vaeDecoder: { file: string };
  vaeEncoder?: { file: string };
  /** A Hugging Face tokenizer.json. */
  tokenizer: string;
  /** A diffusers scheduler_config.json. */
  scheduler: string;
  sampler: { name: SchedulerName; steps: number; guidanceScale: number };
  hooks?: HookEntry[];
  /** Latent → RGB preview: rows R, G, B of [C weights…, bias], fitted per model. */
  previewMatrix?: number[][];
  /** Expected size (and sha256) per file path. */
  files?: Record<string, FileCheck>;
  /** The toy model's attribute probe (other models have none). */
  probe?: { file: string; input: string; inputRange: [number, number]; attributes: Record<string, string[]> };
  [extra: string]: unknown;
}

class ManifestError extends Error {
  override name = 'ManifestError';
}

function at(obj: Record<string, unknown>, path: string): unknown {
  return path.split('.').reduce<unknown>((o, k) => (o && typeof o === 'object' ? (o as Record<string, unknown>)[k] : undefined), obj);
}

/** Validates a parsed manifest; the message names the file and the bad field. */
export function parseManifest(json: unknown, where: string): ModelManifest {
  if (typeof json !== 'object' || json === null || Array.isArray(json)) throw new ManifestError(`${where}: a model manifest must be a JSON object`);
  const m = json as Record<string, unknown>;
  const fail = (path: string, rule: string): never => {
    const v = at(m, path);
    throw new ManifestError(`${where}: ${path} ${v === undefined ? 'is missing' : `is ${JSON.stringify(v)}`}; it must be ${rule}`);
  };
  const str = (path: string) => (typeof at(m, path) === 'string' && (at(m, path) as string) !== '' ? (at(m, path) as string) : fail(path, 'a non-empty string'));
  const posInt = (path: string) => (Number.isSafeInteger(at(m, path)) && (at(m, path) as number) > 0 ? (at(m, path) as number) : fail(path, 'a positive integer'));
  const nonNegInt = (path: string) => (Number.isSafeInteger(at(m, path)) && (at(m, path) as number) >= 0 ? (at(m, path) as number) : fail(path, 'an integer ≥ 0'));
  const pos = (path: string) => (typeof at(m, path) === 'number' && (at(m, path) as number) > 0 ? (at(m, path) as number) : fail(path, 'a positive number'));
  str('name');
  posInt('imageSize');
  posInt('latentChannels');
  posInt('vaeScaleFactor');
  pos('latentScale');
  if (m.imageSize as number % (m.vaeScaleFactor as number) !== 0) fail('imageSize', `a multiple of vaeScaleFactor (${m.vaeScaleFactor})`);
  str('textEncoder.file');
  posInt('textEncoder.contextLength');
  posInt('textEncoder.hiddenSize');
  nonNegInt('textEncoder.padTokenId');
  str('unet.file');
  if (at(m, 'unet.externalData') !== undefined) {
    str('unet.externalData.file');
    str('unet.externalData.location');
  }
  str('vaeDecoder.file');
  str('tokenizer');
  str('scheduler');
  if (!(SCHEDULER_NAMES as readonly unknown[]).includes(at(m, 'sampler.name'))) fail('sampler.name', `one of ${SCHEDULER_NAMES.join(', ')}`);
  posInt('sampler.steps');
  if (typeof at(m, 'sampler.guidanceScale') !== 'number') fail('sampler.guidanceScale', 'a number');
  if (m.precision !== undefined && m.precision !== 'fp32' && m.precision !== 'fp16') fail('precision', '"fp32" or "fp16"');
  if (m.hooks !== undefined) {
    if (!Array.isArray(m.hooks)) fail('hooks', 'an array');
    (m.hooks as unknown[]).forEach((_, i) => {
      str(`hooks.${i}.path`);
      posInt(`hooks.${i}.channels`);
      posInt(`hooks.${i}.height`);
      posInt(`hooks.${i}.width`);
    });
    if ((m.hooks as HookEntry[]).filter((h) => h.default).length > 1) fail('hooks', 'a list with at most one default hook');
  }
  if (m.files !== undefined) {
    if (typeof m.files !== 'object' || m.files === null) fail('files', 'an object of {bytes, sha256?} per path');
    for (const [path, check] of Object.entries(m.files as Record<string, FileCheck>)) {
      if (!Number.isSafeInteger(check?.bytes) || check.bytes <= 0) throw new ManifestError(`${where}: files["${path}"].bytes must be a positive integer`);
      if (check.sha256 !== undefined && !/^[0-9a-f]{64}$/.test(check.sha256)) throw new ManifestError(`${where}: files["${path}"].sha256 must be 64 lowercase hex digits`);
    }
  }
  if (m.previewMatrix !== undefined) {
    const pm = m.previewMatrix as unknown;
    const C = m.latentChannels as number;
    if (!Array.isArray(pm) || pm.length !== 3 || !pm.every((row) => Array.isArray(row) && row.length === C + 1 && row.every((v) => typeof v === 'number'))) {
      fail('previewMatrix', `3 rows of ${C + 1} numbers (weights per latent channel, then the bias)`);
    }
  }
  return m as ModelManifest;
}

/** Every file a model needs for generation (UNet first: it is loaded first). */
export function modelFilePaths(manifest: ModelManifest): string[] {
  return [manifest.unet.file, ...(manifest.unet.externalData ? [manifest.unet.externalData.file] : []), manifest.textEncoder.file, manifest.vaeDecoder.file, manifest.tokenizer, manifest.scheduler];
}

/** The manifest's default hook path, if it marks one. */
export function defaultHook(manifest: ModelManifest): string | null {
  return manifest.hooks?.find((h) => h.default)?.path ?? null;
}
