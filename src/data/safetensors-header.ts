/**
 * The safetensors format's pieces shared by the reader (safetensors.ts) and
 * the writer (safetensors-write.ts): dtypes, the header's limits and reserved
 * key, and the checks both apply to shapes and metadata.
 */

/** Bytes per element of each dtype this module reads and writes. */
export const DTYPE_BYTES = {
  BOOL: 1,
  U8: 1,
  I8: 1,
  I16: 2,
  U16: 2,
  F16: 2,
  BF16: 2,
  I32: 4,
  U32: 4,
  F32: 4,
  F64: 8,
  I64: 8,
  U64: 8,
} as const;

export type Dtype = keyof typeof DTYPE_BYTES;

const DTYPES = Object.keys(DTYPE_BYTES) as Dtype[];

/** Default cap on the JSON header: far above any real header (a 10k-tensor model is ~1 MB). */
export const MAX_HEADER_BYTES = 100 * 1024 * 1024;

export const METADATA_KEY = '__metadata__';

export class SafetensorsError extends Error {
  override name = 'SafetensorsError';
}

/** One tensor's header entry; `begin`/`end` are absolute byte offsets in the file. */
export interface TensorInfo {
  readonly name: string;
  readonly dtype: Dtype;
  readonly shape: readonly number[];
  readonly begin: number;
  readonly end: number;
}

/** A tensor to write: `data` holds exactly product(shape) elements of `dtype`, little-endian. */
export interface TensorEntry {
  dtype: Dtype;
  shape: readonly number[];
  data: ArrayBufferView;
}

function isDtype(s: unknown): s is Dtype {
  return typeof s === 'string' && Object.hasOwn(DTYPE_BYTES, s);
}

/** Short JSON rendering of a (possibly hostile, huge) header value for error messages. */
export function preview(v: unknown): string {
  const text = JSON.stringify(v) ?? String(v);
  return text.length > 80 ? `${text.slice(0, 77)}...` : text;
}

export function elementCount(shape: readonly number[]): number {
  let n = 1;
  for (const dim of shape) n *= dim;
  return n;
}

/** Throws naming the tensor when `dtype` is not one this module reads and writes. */
export function validateDtype(name: string, dtype: unknown): Dtype {
  if (!isDtype(dtype)) throw new SafetensorsError(`tensor "${name}": unsupported dtype ${preview(dtype)}; supported: ${DTYPES.join(', ')}`);
  return dtype;
}

export function validateShape(name: string, shape: unknown): number[] {
  if (!Array.isArray(shape)) {
    throw new SafetensorsError(`tensor "${name}": shape must be an array of non-negative integers, got ${preview(shape)}`);
  }
  for (const dim of shape) {
    if (typeof dim !== 'number' || !Number.isSafeInteger(dim) || dim < 0) {
      throw new SafetensorsError(`tensor "${name}": shape entry ${preview(dim)} is not a non-negative integer (shape ${preview(shape)})`);
    }
  }
  return shape as number[];
}

export function validateMetadata(raw: unknown): Record<string, string> {
  if (typeof raw !== 'object' || raw === null || Array.isArray(raw)) {
    throw new SafetensorsError(`${METADATA_KEY} must be an object of string values, got ${preview(raw)}`);
  }
  const entries = Object.entries(raw);
  for (const [key, value] of entries) {
    if (typeof value !== 'string') {
      throw new SafetensorsError(`${METADATA_KEY}["${key}"] must be a string (store structured values JSON-encoded), got ${typeof value}`);
    }
  }
  // fromEntries defines own properties, so a "__proto__" key stays plain data.
  return Object.fromEntries(entries) as Record<string, string>;
}
