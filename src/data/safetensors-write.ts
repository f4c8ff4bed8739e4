/**
 * Writing safetensors: a file planned from dtypes and shapes alone (so a
 * streaming writer can emit the header, then each tensor's bytes), and whole
 * files serialized to a Blob, data laid out as the reference implementation does.
 */
import { DTYPE_BYTES, elementCount, METADATA_KEY, preview, SafetensorsError, validateDtype, validateMetadata, validateShape, type Dtype, type TensorEntry } from './safetensors-header';

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
    validateDtype(name, specs[name].dtype);
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
