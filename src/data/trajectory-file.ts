/**
 * Trajectory files: one safetensors tensor
 *
 *   activations: [N, S, P, d]  F16 or F32
 *
 * N images, S recorded denoising steps, P = height·width spatial positions
 * (row-major), d channels at the hook. `__metadata__` holds
 * kind = "trajectories", model, hook (plain strings) and, JSON-encoded,
 * step_indices [S], timesteps [S], height, width, prompts [N], seeds [N].
 *
 * A token is one position p of one image n; its trajectory is
 * [x_1; …; x_S] (S·d values). Tokens are numbered t = n·P + p.
 */

import { f32ArrayToF16, F16_MAX } from './float16';
import { SafetensorsError, SafetensorsFile, planSafetensors, serializeSafetensors, type ByteSource, type SafetensorsLayout } from './safetensors';

export const ACTIVATIONS = 'activations';
const KIND = 'trajectories';

/** What was recorded: one entry per step in `stepIndices`/`timesteps`, one per image in `prompts`/`seeds`. */
export interface TrajectoryMeta {
  /** Model id, e.g. "stabilityai/sd-turbo". */
  model: string;
  /** Hooked block, e.g. "unet.mid_block". */
  hook: string;
  /** Sampler step index of each recorded step: [S] ascending integers. */
  stepIndices: number[];
  /** Scheduler timestep of each recorded step: [S]. */
  timesteps: number[];
  /** Feature-map height and width at the hook; P = height·width. */
  height: number;
  width: number;
  /** Prompt of each image: [N]. */
  prompts: string[];
  /** Generation seed of each image: [N]. */
  seeds: number[];
  /** How the images were generated, when a model run recorded them (absent for synthetic data). */
  sampler?: SamplerRecord;
}

/** Sampler settings of a recorded collection, so a run can be repeated (and shards checked for equality). */
export interface SamplerRecord {
  /** Scheduler name, e.g. "ddim". */
  scheduler: string;
  steps: number;
  guidance: number;
  /** Negative prompt of each image: [N] ("" for none). */
  negativePrompts: string[];
}

export type ActivationDtype = 'F16' | 'F32';
const ACTIVATION_DTYPES: readonly ActivationDtype[] = ['F16', 'F32'];

function fail(message: string): never {
  throw new SafetensorsError(`trajectory file: ${message}`);
}

function isNumberArray(v: unknown, element: (x: number) => boolean): v is number[] {
  return Array.isArray(v) && v.every((x) => typeof x === 'number' && element(x));
}

const isNonNegativeInt = (x: number): boolean => Number.isSafeInteger(x) && x >= 0;

/** Checks field types and cross-field counts; returns the metadata unchanged. */
export function validateTrajectoryMeta(meta: TrajectoryMeta): TrajectoryMeta {
  if (typeof meta.model !== 'string') fail(`model must be a string, got ${JSON.stringify(meta.model)}`);
  if (typeof meta.hook !== 'string') fail(`hook must be a string, got ${JSON.stringify(meta.hook)}`);
  if (!isNumberArray(meta.stepIndices, isNonNegativeInt)) {
    fail(`step_indices must be an array of non-negative integers, got ${JSON.stringify(meta.stepIndices)}`);
  }
  if (meta.stepIndices.length === 0 || meta.stepIndices.some((v, i) => i > 0 && v <= meta.stepIndices[i - 1])) {
    fail(`step_indices must be non-empty and strictly ascending, got ${JSON.stringify(meta.stepIndices)}`);
  }
  if (!isNumberArray(meta.timesteps, Number.isFinite)) fail(`timesteps must be an array of finite numbers, got ${JSON.stringify(meta.timesteps)}`);
  if (meta.timesteps.length !== meta.stepIndices.length) {
    fail(`${meta.stepIndices.length} step_indices but ${meta.timesteps.length} timesteps; need one per recorded step`);
  }
  for (const [key, v] of [['height', meta.height], ['width', meta.width]] as const) {
    if (!Number.isSafeInteger(v) || v <= 0) fail(`${key} must be a positive integer, got ${JSON.stringify(v)}`);
  }
  if (!Array.isArray(meta.prompts) || !meta.prompts.every((p) => typeof p === 'string')) {
    fail(`prompts must be an array of strings, got ${JSON.stringify(meta.prompts)}`);
  }
  if (!isNumberArray(meta.seeds, Number.isSafeInteger)) fail(`seeds must be an array of integers, got ${JSON.stringify(meta.seeds)}`);
  if (meta.seeds.length !== meta.prompts.length) {
    fail(`${meta.prompts.length} prompts but ${meta.seeds.length} seeds; need one of each per image`);
  }
  if (meta.sampler !== undefined) {
    const { scheduler, steps, guidance, negativePrompts } = meta.sampler;
    if (typeof scheduler !== 'string' || !Number.isSafeInteger(steps) || steps <= 0 || !Number.isFinite(guidance)) {
      fail(`sampler must be {scheduler: string, steps: positive integer, guidance: number}, got ${JSON.stringify(meta.sampler)}`);
    }
    if (!Array.isArray(negativePrompts) || negativePrompts.length !== meta.prompts.length || !negativePrompts.every((p) => typeof p === 'string')) {
      fail(`sampler.negativePrompts must hold one string per image (${meta.prompts.length}), got ${JSON.stringify(negativePrompts)?.slice(0, 80)}`);
    }
  }
  return meta;
}

function encodeMeta(meta: TrajectoryMeta): Record<string, string> {
  return {
    kind: KIND,
    model: meta.model,
    hook: meta.hook,
    step_indices: JSON.stringify(meta.stepIndices),
    timesteps: JSON.stringify(meta.timesteps),
    height: JSON.stringify(meta.height),
    width: JSON.stringify(meta.width),
    prompts: JSON.stringify(meta.prompts),
    seeds: JSON.stringify(meta.seeds),
    ...(meta.sampler ? { sampler: JSON.stringify(meta.sampler) } : {}),
  };
}

function decodeMeta(raw: Readonly<Record<string, string>>): TrajectoryMeta {
  if (raw.kind !== undefined && raw.kind !== KIND) fail(`metadata kind is "${raw.kind}", expected "${KIND}"`);
  const json = (key: string): unknown => {
    const text = raw[key];
    if (text === undefined) fail(`metadata "${key}" is missing`);
    try {
      return JSON.parse(text);
    } catch {
      return fail(`metadata "${key}" is not JSON: ${text.slice(0, 80)}`);
    }
  };
  const text = (key: string): string => raw[key] ?? fail(`metadata "${key}" is missing`);
  return validateTrajectoryMeta({
    model: text('model'),
    hook: text('hook'),
    stepIndices: json('step_indices') as number[],
    timesteps: json('timesteps') as number[],
    height: json('height') as number,
    width: json('width') as number,
    prompts: json('prompts') as string[],
    seeds: json('seeds') as number[],
    ...(raw.sampler !== undefined ? { sampler: json('sampler') as SamplerRecord } : {}),
  });
}

/** [N, S, P, d] for `meta` with channel count `d`. */
function activationShape(meta: TrajectoryMeta, d: number): [number, number, number, number] {
  if (!Number.isSafeInteger(d) || d <= 0) fail(`d must be a positive integer, got ${d}`);
  return [meta.prompts.length, meta.stepIndices.length, meta.height * meta.width, d];
}

/**
 * Header of a trajectory file, for writing it image by image: emit
 * `layout.header`, then `encodeActivations(image)` for each of the N images
 * in order (each image [S, P, d]); the result is `layout.totalBytes` long.
 */
export function trajectoryLayout(meta: TrajectoryMeta, d: number, dtype: ActivationDtype): SafetensorsLayout {
  validateTrajectoryMeta(meta);
  return planSafetensors({ [ACTIVATIONS]: { dtype, shape: activationShape(meta, d) } }, encodeMeta(meta));
}

/**
 * Little-endian bytes of f32 activations stored as `dtype`. F16 rounds to
 * nearest even and refuses values beyond ±65504 rather than storing ±Infinity.
 */
export function encodeActivations(values: Float32Array, dtype: ActivationDtype): Uint8Array {
  if (dtype === 'F32') return new Uint8Array(values.buffer, values.byteOffset, values.byteLength);
  const half = f32ArrayToF16(values);
  for (let i = 0; i < values.length; i++) {
    if ((half[i] & 0x7fff) === 0x7c00 && Number.isFinite(values[i])) {
      fail(`activation ${values[i]} at index ${i} overflows F16 (max ±${F16_MAX}); store as F32`);
    }
  }
  return new Uint8Array(half.buffer);
}

/** A whole trajectory file. `activations: [N, S, P, d]` row-major f32, N = meta.prompts.length. */
export function serializeTrajectoryFile(meta: TrajectoryMeta, activations: Float32Array, d: number, dtype: ActivationDtype): Blob {
  validateTrajectoryMeta(meta);
  const shape = activationShape(meta, d);
  const expected = shape.reduce((a, b) => a * b, 1);
  if (activations.length !== expected) {
    fail(`activations has ${activations.length} values; [N, S, P, d] = [${shape.join(', ')}] needs ${expected}`);
  }
  return serializeSafetensors({ [ACTIVATIONS]: { dtype, shape, data: encodeActivations(activations, dtype) } }, encodeMeta(meta));
}

/**
 * Reorders images [n, S, P, d] into token rows [n·P, S·d]: row n·P + p is
 * token (n, p)'s trajectory [x_1; …; x_S].
 */
export function imagesToTokens(images: Float32Array, n: number, S: number, P: number, d: number): Float32Array<ArrayBuffer> {
  if (images.length !== n * S * P * d) fail(`images has ${images.length} values; [${n}, ${S}, ${P}, ${d}] needs ${n * S * P * d}`);
  const out = new Float32Array(images.length);
  for (let i = 0; i < n; i++) {
    for (let s = 0; s < S; s++) {
      for (let p = 0; p < P; p++) {
        const src = ((i * S + s) * P + p) * d;
        out.set(images.subarray(src, src + d), ((i * P + p) * S + s) * d);
      }
    }
  }
  return out;
}

/** Streaming reader: validates shape against metadata on open, then reads images by range. */
export class TrajectoryReader {
  /** Images, recorded steps, positions (height·width), channels. */
  readonly N: number;
  readonly S: number;
  readonly P: number;
  readonly d: number;

  private constructor(
    private readonly file: SafetensorsFile,
    readonly meta: TrajectoryMeta,
    readonly dtype: ActivationDtype,
    shape: readonly number[],
  ) {
    [this.N, this.S, this.P, this.d] = shape;
  }

  static async open(source: ByteSource): Promise<TrajectoryReader> {
    const file = await SafetensorsFile.open(source);
    const meta = decodeMeta(file.metadata);
    const t = file.info(ACTIVATIONS);
    if (!(ACTIVATION_DTYPES as readonly string[]).includes(t.dtype)) {
      fail(`${ACTIVATIONS} dtype is ${t.dtype}; expected one of ${ACTIVATION_DTYPES.join(', ')}`);
    }
    if (t.shape.length !== 4) fail(`${ACTIVATIONS} must be 4-D [N, S, P, d], got shape [${t.shape.join(', ')}]`);
    const [N, S, P] = t.shape;
    if (S !== meta.stepIndices.length) fail(`${ACTIVATIONS} has S = ${S} steps but metadata lists ${meta.stepIndices.length} step_indices`);
    if (P !== meta.height * meta.width) {
      fail(`${ACTIVATIONS} has P = ${P} positions but metadata height·width = ${meta.height}·${meta.width} = ${meta.height * meta.width}`);
    }
    if (N !== meta.prompts.length) fail(`${ACTIVATIONS} has N = ${N} images but metadata lists ${meta.prompts.length} prompts`);
    return new TrajectoryReader(file, meta, t.dtype as ActivationDtype, t.shape);
  }

  /** Number of tokens, N·P. */
  get tokenCount(): number {
    return this.N * this.P;
  }

  /** Images n0..n1 (exclusive) as f32: [n1 - n0, S, P, d]. */
  readImages(n0: number, n1: number): Promise<Float32Array<ArrayBuffer>> {
    return this.file.readRowsF32(ACTIVATIONS, n0, n1);
  }

  /** The stored bytes of images n0..n1 (exclusive), in the file's dtype: for lossless copies (merging shards). */
  readImageBytes(n0: number, n1: number): Promise<Uint8Array<ArrayBuffer>> {
    return this.file.readRowBytes(ACTIVATIONS, n0, n1);
  }

  /** Tokens of images n0..n1 as trajectory rows: [(n1 - n0)·P, S·d], token (n, p) at row (n - n0)·P + p. */
  async readTokens(n0: number, n1: number): Promise<Float32Array<ArrayBuffer>> {
    return imagesToTokens(await this.readImages(n0, n1), n1 - n0, this.S, this.P, this.d);
  }
}
