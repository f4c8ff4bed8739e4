/**
 * safetensors (https://github.com/huggingface/safetensors), read here and written by safetensors-write.ts:
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
import { DTYPE_BYTES, elementCount, MAX_HEADER_BYTES, METADATA_KEY, preview, SafetensorsError, validateDtype, validateMetadata, validateShape, type Dtype, type TensorInfo } from './safetensors-header';

export { DTYPE_BYTES, MAX_HEADER_BYTES, SafetensorsError, type Dtype, type TensorEntry, type TensorInfo } from './safetensors-header';
export { planSafetensors, serializeSafetensors, type SafetensorsLayout } from './safetensors-write';

/** Bytes the reader accepts: a Blob (File, `fs.openAsBlob`) or bytes already in memory. */
export type ByteSource = Blob | ArrayBuffer | Uint8Array;

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

function validateEntry(name: string, raw: unknown, dataBytes: number, dataStart: number): TensorInfo {
  if (typeof raw !== 'object' || raw === null || Array.isArray(raw)) {
    throw new SafetensorsError(`tensor "${name}": entry must be an object {dtype, shape, data_offsets}, got ${preview(raw)}`);
  }
  const entry = raw as Record<string, unknown>;
  const dtype = validateDtype(name, entry.dtype);
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
