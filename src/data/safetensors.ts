/**
 * safetensors read/write (https://github.com/huggingface/safetensors):
 *
 *   [u64 LE n][n bytes of JSON header, space-padded][tensor data]
 *
 * The header maps tensor names to {dtype, shape, data_offsets: [begin, end]}
 * (offsets relative to the start of the data) plus an optional
 * "__metadata__" object of string → string. All data is little-endian; typed
 * arrays are read and written in the host's byte order, which is
 * little-endian on every platform this lab runs on (x86, ARM).
 *
 * Reading works on a Blob by byte ranges, so multi-gigabyte trajectory files
 * are never loaded whole (a browser File is a Blob; in Node use
 * `fs.openAsBlob(path)`). Every header field is validated before any tensor
 * byte is read, and the header itself is capped, so a hostile file cannot
 * make the reader allocate more than the cap.
 */

import { bf16ArrayToF32, f16ArrayToF32 } from './float16';

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

const METADATA_KEY = '__metadata__';

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

/** Bytes the reader accepts: a Blob (File, `fs.openAsBlob`) or bytes already in memory. */
export type ByteSource = Blob | ArrayBuffer | Uint8Array;

function isDtype(s: unknown): s is Dtype {
  return typeof s === 'string' && Object.hasOwn(DTYPE_BYTES, s);
}

/** Short JSON rendering of a (possibly hostile, huge) header value for error messages. */
function preview(v: unknown): string {
  const text = JSON.stringify(v) ?? String(v);
  return text.length > 80 ? `${text.slice(0, 77)}...` : text;
}

function elementCount(shape: readonly number[]): number {
  let n = 1;
  for (const dim of shape) n *= dim;
  return n;
}

/** Reads byte ranges from a Blob or an in-memory buffer; every read returns fresh bytes. */
interface RangeReader {
  readonly size: number;
  read(begin: number, end: number): Promise<Uint8Array<ArrayBuffer>>;
}

function rangeReader(source: ByteSource): RangeReader {
  if (source instanceof Blob) {
    return {
      size: source.size,
      read: async (begin, end) => new Uint8Array(await source.slice(begin, end).arrayBuffer()),
    };
  }
  const bytes = source instanceof Uint8Array ? source : new Uint8Array(source);
  // Uint8Array's slice, not the source's own: a Node Buffer's slice is a view into its (pooled) memory, not a copy.
  return { size: bytes.byteLength, read: async (begin, end) => Uint8Array.prototype.slice.call(bytes, begin, end) };
}

function validateShape(name: string, shape: unknown): number[] {
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

function validateEntry(name: string, raw: unknown, dataBytes: number, dataStart: number): TensorInfo {
  if (typeof raw !== 'object' || raw === null || Array.isArray(raw)) {
    throw new SafetensorsError(`tensor "${name}": entry must be an object {dtype, shape, data_offsets}, got ${preview(raw)}`);
  }
  const entry = raw as Record<string, unknown>;
  const { dtype } = entry;
  if (!isDtype(dtype)) {
    throw new SafetensorsError(`tensor "${name}": unsupported dtype ${preview(dtype)}; supported: ${DTYPES.join(', ')}`);
  }
  const shape = validateShape(name, entry.shape);
  const offsets = entry.data_offsets;
  if (
    !Array.isArray(offsets) ||
    offsets.length !== 2 ||
    !offsets.every((o): o is number => typeof o === 'number' && Number.isSafeInteger(o) && o >= 0)
  ) {
    throw new SafetensorsError(`tensor "${name}": data_offsets must be [begin, end] non-negative integers, got ${preview(offsets)}`);
  }
  const [begin, end] = offsets;
  if (begin > end) throw new SafetensorsError(`tensor "${name}": data_offsets [${begin}, ${end}] end before begin`);
  if (end > dataBytes) {
    throw new SafetensorsError(`tensor "${name}": data_offsets [${begin}, ${end}] past the end of the data (${dataBytes} bytes)`);
  }
  const count = elementCount(shape);
  const expected = count * DTYPE_BYTES[dtype];
  if (!Number.isSafeInteger(expected) || expected !== end - begin) {
    throw new SafetensorsError(
      `tensor "${name}": shape ${preview(shape)} × ${dtype} needs ${expected} bytes but data_offsets [${begin}, ${end}] span ${end - begin}`,
    );
  }
  return { name, dtype, shape, begin: dataStart + begin, end: dataStart + end };
}

function validateMetadata(raw: unknown): Record<string, string> {
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

/** Rejects overlapping tensors (zero-length ones occupy no bytes). */
function checkNoOverlap(tensors: TensorInfo[]): void {
  const sorted = tensors.filter((t) => t.end > t.begin).sort((a, b) => a.begin - b.begin);
  for (let i = 1; i < sorted.length; i++) {
    const prev = sorted[i - 1];
    const cur = sorted[i];
    if (cur.begin < prev.end) {
      throw new SafetensorsError(
        `tensors "${prev.name}" and "${cur.name}" overlap: file bytes [${prev.begin}, ${prev.end}) and [${cur.begin}, ${cur.end})`,
      );
    }
  }
}

/** A parsed safetensors file: validated header, tensor bytes read on demand. */
export class SafetensorsFile {
  private constructor(
    private readonly reader: RangeReader,
    readonly metadata: Readonly<Record<string, string>>,
    readonly tensors: ReadonlyMap<string, TensorInfo>,
  ) {}

  /** Parses and validates the header of `source`; reads no tensor data. */
  static async open(source: ByteSource): Promise<SafetensorsFile> {
    const reader = rangeReader(source);
    if (reader.size < 8) {
      throw new SafetensorsError(`file is ${reader.size} bytes; a safetensors file starts with an 8-byte header length`);
    }
    const lengthBytes = await reader.read(0, 8);
    const headerLength = new DataView(lengthBytes.buffer, lengthBytes.byteOffset, 8).getBigUint64(0, true);
    if (headerLength > BigInt(MAX_HEADER_BYTES)) {
      throw new SafetensorsError(`header length ${headerLength} exceeds the ${MAX_HEADER_BYTES}-byte cap`);
    }
    const n = Number(headerLength);
    if (8 + n > reader.size) {
      throw new SafetensorsError(`header length ${n} runs past the end of the ${reader.size}-byte file`);
    }
    let parsed: unknown;
    try {
      parsed = JSON.parse(new TextDecoder('utf-8', { fatal: true }).decode(await reader.read(8, 8 + n)));
    } catch (err) {
      throw new SafetensorsError(`header is not valid UTF-8 JSON: ${(err as Error).message}`);
    }
    if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed)) {
      throw new SafetensorsError(`header must be a JSON object, got ${Array.isArray(parsed) ? 'an array' : preview(parsed)}`);
    }
    const dataStart = 8 + n;
    const dataBytes = reader.size - dataStart;
    let metadata: Record<string, string> = {};
    const tensors = new Map<string, TensorInfo>();
    for (const [name, raw] of Object.entries(parsed)) {
      if (name === METADATA_KEY) metadata = validateMetadata(raw);
      else tensors.set(name, validateEntry(name, raw, dataBytes, dataStart));
    }
    checkNoOverlap([...tensors.values()]);
    return new SafetensorsFile(reader, metadata, tensors);
  }

  /** Header entry of `name`; throws listing the tensors present. */
  info(name: string): TensorInfo {
    const t = this.tensors.get(name);
    if (t === undefined) {
      throw new SafetensorsError(`no tensor "${name}"; file has: ${[...this.tensors.keys()].join(', ') || '(none)'}`);
    }
    return t;
  }

  /** Raw little-endian bytes of tensor `name`. */
  readBytes(name: string): Promise<Uint8Array<ArrayBuffer>> {
    const t = this.info(name);
    return this.reader.read(t.begin, t.end);
  }

  /**
   * Raw bytes of rows `row0..row1` (exclusive) along the leading axis of
   * `name`, e.g. images n0..n1 of `activations: [N, S, P, d]`.
   */
  readRowBytes(name: string, row0: number, row1: number): Promise<Uint8Array<ArrayBuffer>> {
    const t = this.info(name);
    if (t.shape.length === 0) throw new SafetensorsError(`tensor "${name}" is a scalar; it has no rows`);
    const rows = t.shape[0];
    if (!Number.isInteger(row0) || !Number.isInteger(row1) || row0 < 0 || row1 < row0 || row1 > rows) {
      throw new SafetensorsError(`tensor "${name}": rows [${row0}, ${row1}) out of range; need 0 <= row0 <= row1 <= ${rows}`);
    }
    const rowBytes = elementCount(t.shape.slice(1)) * DTYPE_BYTES[t.dtype];
    return this.reader.read(t.begin + row0 * rowBytes, t.begin + row1 * rowBytes);
  }

  /** Tensor `name` converted to f32 (integers and f64 may lose precision). */
  async readF32(name: string): Promise<Float32Array<ArrayBuffer>> {
    return bytesToF32(await this.readBytes(name), this.info(name).dtype);
  }

  /** Rows `row0..row1` of tensor `name` converted to f32: [row1 - row0, ...shape[1:]]. */
  async readRowsF32(name: string, row0: number, row1: number): Promise<Float32Array<ArrayBuffer>> {
    return bytesToF32(await this.readRowBytes(name, row0, row1), this.info(name).dtype);
  }
}

/** Converts little-endian bytes of `dtype` to f32; `bytes` must be a fresh, 8-byte-aligned copy. */
function bytesToF32(bytes: Uint8Array<ArrayBuffer>, dtype: Dtype): Float32Array<ArrayBuffer> {
  const { buffer, byteOffset, byteLength } = bytes;
  const count = byteLength / DTYPE_BYTES[dtype];
  switch (dtype) {
    case 'F32':
      return new Float32Array(buffer, byteOffset, count);
    case 'F16':
      return f16ArrayToF32(new Uint16Array(buffer, byteOffset, count));
    case 'BF16':
      return bf16ArrayToF32(new Uint16Array(buffer, byteOffset, count));
    case 'F64':
      return Float32Array.from(new Float64Array(buffer, byteOffset, count));
    case 'I64':
      return Float32Array.from(new BigInt64Array(buffer, byteOffset, count), Number);
    case 'U64':
      return Float32Array.from(new BigUint64Array(buffer, byteOffset, count), Number);
    case 'I32':
      return Float32Array.from(new Int32Array(buffer, byteOffset, count));
    case 'U32':
      return Float32Array.from(new Uint32Array(buffer, byteOffset, count));
    case 'I16':
      return Float32Array.from(new Int16Array(buffer, byteOffset, count));
    case 'U16':
      return Float32Array.from(new Uint16Array(buffer, byteOffset, count));
    case 'I8':
      return Float32Array.from(new Int8Array(buffer, byteOffset, count));
    case 'U8':
    case 'BOOL':
      return Float32Array.from(bytes);
  }
}

/**
 * Order in which the reference implementation lays out tensor data: by
 * descending dtype (its enum order, which keeps every tensor aligned to its
 * element size), then by name.
 */
const DTYPE_RANK: Record<Dtype, number> = {
  BOOL: 0, U8: 1, I8: 2, I16: 3, U16: 4, F16: 5, BF16: 6, I32: 7, U32: 8, F32: 9, F64: 10, I64: 11, U64: 12,
};

/** A planned file: the encoded header (length prefix included) and the data order. */
export interface SafetensorsLayout {
  /** 8-byte length prefix + JSON header padded with spaces to a multiple of 8 bytes. */
  header: Uint8Array<ArrayBuffer>;
  /** Tensor names in the order their bytes follow the header. */
  order: string[];
  /** Total file size in bytes. */
  totalBytes: number;
}

/**
 * Plans a file from tensor dtypes and shapes alone, so a streaming writer can
 * emit the header and then each tensor's bytes in `order` (e.g. trajectory
 * images as they are collected).
 */
export function planSafetensors(
  specs: Readonly<Record<string, { dtype: Dtype; shape: readonly number[] }>>,
  metadata: Readonly<Record<string, string>> = {},
): SafetensorsLayout {
  const names = Object.keys(specs);
  if (names.includes(METADATA_KEY)) throw new SafetensorsError(`"${METADATA_KEY}" is reserved and cannot name a tensor`);
  for (const name of names) {
    const { dtype } = specs[name];
    if (!isDtype(dtype)) throw new SafetensorsError(`tensor "${name}": unsupported dtype ${preview(dtype)}; supported: ${DTYPES.join(', ')}`);
    validateShape(name, specs[name].shape);
  }
  const order = names.sort((a, b) => DTYPE_RANK[specs[b].dtype] - DTYPE_RANK[specs[a].dtype] || (a < b ? -1 : a > b ? 1 : 0));
  const header: Record<string, unknown> = {};
  if (Object.keys(metadata).length > 0) header[METADATA_KEY] = validateMetadata(metadata);
  let offset = 0;
  for (const name of order) {
    const { dtype, shape } = specs[name];
    const bytes = elementCount(shape) * DTYPE_BYTES[dtype];
    header[name] = { dtype, shape: [...shape], data_offsets: [offset, offset + bytes] };
    offset += bytes;
  }
  const json = new TextEncoder().encode(JSON.stringify(header));
  const padded = Math.ceil(json.length / 8) * 8;
  const out = new Uint8Array(8 + padded).fill(0x20); // the reference pads with spaces
  new DataView(out.buffer).setBigUint64(0, BigInt(padded), true);
  out.set(json, 8);
  return { header: out, order, totalBytes: out.length + offset };
}

function isArrayBufferBacked(bytes: Uint8Array): bytes is Uint8Array<ArrayBuffer> {
  return bytes.buffer instanceof ArrayBuffer;
}

/** Serializes tensors and string metadata to a safetensors Blob, data laid out as the reference does. */
export function serializeSafetensors(
  tensors: Readonly<Record<string, TensorEntry>>,
  metadata: Readonly<Record<string, string>> = {},
): Blob {
  const layout = planSafetensors(tensors, metadata);
  const parts: Uint8Array<ArrayBuffer>[] = [layout.header];
  for (const name of layout.order) {
    const { dtype, shape, data } = tensors[name];
    const expected = elementCount(shape) * DTYPE_BYTES[dtype];
    if (data.byteLength !== expected) {
      throw new SafetensorsError(
        `tensor "${name}": shape ${preview(shape)} × ${dtype} needs ${expected} bytes, data has ${data.byteLength}`,
      );
    }
    const bytes = new Uint8Array(data.buffer, data.byteOffset, data.byteLength);
    // Blob parts cannot view a SharedArrayBuffer (used under cross-origin isolation): copy those.
    parts.push(isArrayBufferBacked(bytes) ? bytes : bytes.slice());
  }
  return new Blob(parts);
}
