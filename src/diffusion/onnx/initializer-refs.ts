/**
 * A single-file ONNX model's weights handed to onnxruntime by reference.
 *
 * onnxruntime-web copies the model bytes it is given into the wasm heap
 * before parsing them, so a 1.7 GB single-file UNet (webnn's SD 1.5 export),
 * hooked and joined into one buffer, was in memory three times over: the
 * file, the joined copy, the heap's copy, all before ORT made its tensors.
 * Here every large initializer's `raw_data` becomes an external-data
 * reference (location, offset, length) into the original file's bytes, so
 * the graph ORT parses is a few MB, and the file itself is passed as the
 * session's external data. ORT then reads each tensor out of that buffer:
 * into the heap for the wasm provider, straight to a GPU buffer for the
 * WebGPU one (never through the heap). The file's bytes are never copied in
 * JavaScript.
 *
 * Also here: each initializer's size from its dims and element type, read
 * without its data, so a graph whose weights are external (a few MB) tells
 * the largest tensor before the weights are downloaded.
 *
 * Field numbers are onnx.proto's (TensorProto, StringStringEntryProto).
 */
import { concatBytes } from '../../data/concat-bytes';
import { externalLocations, joinModel, splitModel, type SplitModel } from './graph-bytes';
import { lengthPrefix, readVarint, scanFields, type WireField } from './wire';

const GRAPH_INITIALIZER = 5;
const TENSOR_DIMS = 1;
const TENSOR_DATA_TYPE = 2;
const TENSOR_NAME = 8;
const TENSOR_RAW_DATA = 9;
const TENSOR_EXTERNAL_DATA = 13;
const TENSOR_DATA_LOCATION = 14;
const ENTRY_KEY = 1;
const ENTRY_VALUE = 2;
/** TensorProto.data_location = EXTERNAL, as a whole field (tag 14 << 3 | varint, value 1). */
const DATA_LOCATION_EXTERNAL = Uint8Array.of((TENSOR_DATA_LOCATION << 3) | 0, 1);
/** Smaller raw_data stays inline (onnx's own save_as_external_data threshold): not worth a reference. */
const MIN_REFERENCED_BYTES = 1024;

/** Bytes per element of TensorProto.DataType (onnx.proto); 0 for strings and types this app never sizes. */
const ELEMENT_BYTES: Record<number, number> = { 1: 4, 2: 1, 3: 1, 4: 2, 5: 2, 6: 4, 7: 8, 9: 1, 10: 2, 11: 8, 12: 4, 13: 8, 16: 2 };

export interface ReferencedModel {
  /** The model with its large initializers pointing into `location`: small, pass it as the model. */
  graph: Uint8Array;
  /** Pass `{ path: location, data: <the original bytes> }` as the session's external data. */
  location: string;
  /** How many initializers now point into the original bytes, and their bytes. */
  referenced: number;
  referencedBytes: number;
}

const utf8 = new TextEncoder();
const text = (bytes: Uint8Array, f: WireField) => new TextDecoder().decode(bytes.subarray(f.payloadStart, f.end));

function stringField(field: number, value: string): Uint8Array {
  const b = utf8.encode(value);
  return concatBytes([lengthPrefix(field, b.length), b]);
}

/** One external_data entry (a StringStringEntryProto) as a TensorProto field. */
function externalEntry(key: string, value: string): Uint8Array {
  const entry = concatBytes([stringField(ENTRY_KEY, key), stringField(ENTRY_VALUE, value)]);
  return concatBytes([lengthPrefix(TENSOR_EXTERNAL_DATA, entry.length), entry]);
}

/**
 * `bytes`: a whole ONNX model. `location` names the original bytes as the
 * external-data file; it must not be a location the model already uses.
 */
export function referenceInitializers(bytes: Uint8Array, what: string, location: string): ReferencedModel {
  const model = splitModel(bytes, what);
  if (externalLocations(model).has(location)) throw new Error(`${what} already names external data "${location}"; choose another location for its inline weights`);
  let referenced = 0;
  let referencedBytes = 0;
  model.initializers = model.initializers.map((init) => {
    const [outer] = scanFields(init, `${what} initializer`);
    if (outer.field !== GRAPH_INITIALIZER) return init;
    const tensor = init.subarray(outer.payloadStart, outer.end);
    const fields = scanFields(tensor, `${what} initializer`);
    const raw = fields.find((f) => f.field === TENSOR_RAW_DATA && f.wireType === 2);
    if (!raw || raw.end - raw.payloadStart < MIN_REFERENCED_BYTES) return init;
    // Offsets count from the start of the original file (the initializers are views into it).
    const offset = tensor.byteOffset - bytes.byteOffset + raw.payloadStart;
    const length = raw.end - raw.payloadStart;
    const kept = fields.filter((f) => f.field !== TENSOR_RAW_DATA && f.field !== TENSOR_DATA_LOCATION).map((f) => tensor.subarray(f.start, f.end));
    const payload = concatBytes([
      ...kept,
      externalEntry('location', location),
      externalEntry('offset', String(offset)),
      externalEntry('length', String(length)),
      DATA_LOCATION_EXTERNAL,
    ]);
    referenced++;
    referencedBytes += length;
    return concatBytes([lengthPrefix(GRAPH_INITIALIZER, payload.length), payload]);
  });
  return { graph: concatBytes(joinModel(model)), location, referenced, referencedBytes };
}

/** The largest dense initializer's name and size in bytes (from dims × element size; its data is not read), or null without any. */
export function largestInitializer(model: SplitModel): { name: string; bytes: number } | null {
  let largest: { name: string; bytes: number } | null = null;
  for (const init of model.initializers) {
    const [outer] = scanFields(init, 'initializer');
    if (outer.field !== GRAPH_INITIALIZER) continue;
    const tensor = init.subarray(outer.payloadStart, outer.end);
    let elements = 1;
    let elementBytes = 0;
    let name = '';
    for (const f of scanFields(tensor, 'initializer')) {
      if (f.field === TENSOR_DATA_TYPE && f.wireType === 0) elementBytes = ELEMENT_BYTES[readVarint(tensor, f.start + 1, 'initializer data_type')[0]] ?? 0;
      else if (f.field === TENSOR_NAME) name = text(tensor, f);
      else if (f.field === TENSOR_DIMS && f.wireType === 0) elements *= readVarint(tensor, f.start + 1, 'initializer dims')[0];
      else if (f.field === TENSOR_DIMS && f.wireType === 2) {
        // Packed dims (proto3's default for repeated int64).
        for (let o = f.payloadStart; o < f.end; ) {
          const [dim, next] = readVarint(tensor, o, 'initializer dims');
          elements *= dim;
          o = next;
        }
      }
    }
    const size = elements * elementBytes;
    if (!largest || size > largest.bytes) largest = { name, bytes: size };
  }
  return largest;
}
