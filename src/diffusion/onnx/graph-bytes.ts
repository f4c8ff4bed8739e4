import { fromBinary, toBinary } from '@bufbuild/protobuf';
import { GraphProtoSchema, type GraphProto } from './gen/onnx_pb';
import { checkGraphBounds } from './graph-bounds';
import { lengthPrefix, readVarint, scanFields, WireFormatError, type WireField } from './wire';

/** ModelProto.graph and GraphProto.initializer / sparse_initializer (onnx.proto field numbers). */
const MODEL_GRAPH = 7;
const GRAPH_INITIALIZER = 5;
const GRAPH_SPARSE_INITIALIZER = 15;
/** ModelProto's own fields: a dozen, plus one per opset import, metadata entry and local function. */
const MAX_MODEL_FIELDS = 100_000;
/** ModelProto.ir_version: required in every ONNX model. */
const MODEL_IR_VERSION = 1;
/** TensorProto.data_type, .name and .external_data; StringStringEntryProto.key and .value. */
const TENSOR_DATA_TYPE = 2;
const TENSOR_NAME = 8;
const TENSOR_EXTERNAL_DATA = 13;
const ENTRY_KEY = 1;
const ENTRY_VALUE = 2;

/**
 * An ONNX model split for editing: the graph without its initializers,
 * decoded (nodes, inputs, outputs, value_info, metadata — small even for
 * SD 1.5), and everything else kept as byte ranges of the original file.
 */
export interface SplitModel {
  graph: GraphProto;
  /** ModelProto fields before and after the graph field, as they were. */
  before: Uint8Array[];
  after: Uint8Array[];
  /** The graph's initializer and sparse_initializer fields (tag included), in order. */
  initializers: Uint8Array[];
}

/** The protobuf library's errors ("premature EOF") do not say which file; this one does. */
function decodeGraph(bytes: Uint8Array, what: string): GraphProto {
  try {
    return fromBinary(GraphProtoSchema, bytes);
  } catch (error) {
    throw new WireFormatError(`${what}: its graph does not decode as ONNX (${error instanceof Error ? error.message : String(error)}): the file is truncated or corrupt`);
  }
}

export function splitModel(bytes: Uint8Array, what: string): SplitModel {
  if (bytes.length < 8) throw new WireFormatError(`${what} has ${bytes.length} bytes: not an ONNX model`);
  const fields = scanFields(bytes, what, MAX_MODEL_FIELDS);
  if (!fields.some((f) => f.field === MODEL_IR_VERSION && f.wireType === 0)) throw new WireFormatError(`${what} has no ONNX ir_version field: not an ONNX model`);
  const graphFields = fields.filter((f) => f.field === MODEL_GRAPH && f.wireType === 2);
  if (graphFields.length !== 1) throw new WireFormatError(`${what} has ${graphFields.length} graph fields; an ONNX model has exactly one`);
  const g = graphFields[0];
  const view = (f: WireField) => bytes.subarray(f.start, f.end);
  const graphBytes = bytes.subarray(g.payloadStart, g.end);
  checkGraphBounds(graphBytes, what);
  const inner = scanFields(graphBytes, `${what} (graph)`);
  const isInit = (f: WireField) => f.wireType === 2 && (f.field === GRAPH_INITIALIZER || f.field === GRAPH_SPARSE_INITIALIZER);
  const rest = inner.filter((f) => !isInit(f));
  const restBytes = new Uint8Array(rest.reduce((n, f) => n + f.end - f.start, 0));
  let o = 0;
  for (const f of rest) {
    restBytes.set(graphBytes.subarray(f.start, f.end), o);
    o += f.end - f.start;
  }
  return {
    graph: decodeGraph(restBytes, what),
    before: fields.filter((f) => f.start < g.start).map(view),
    after: fields.filter((f) => f.start > g.start).map(view),
    initializers: inner.filter(isInit).map((f) => graphBytes.subarray(f.start, f.end)),
  };
}

/** The model's bytes in parts (views into the original where unchanged): the edited graph, then its initializers. */
export function joinModel(model: SplitModel): Uint8Array[] {
  const graphRest = toBinary(GraphProtoSchema, model.graph);
  const graphLength = graphRest.length + model.initializers.reduce((n, b) => n + b.length, 0);
  return [...model.before, lengthPrefix(MODEL_GRAPH, graphLength), graphRest, ...model.initializers, ...model.after];
}

/** Each dense initializer's TensorProto fields, the weights' bytes skipped over. */
function* initializerFields(model: SplitModel): Generator<{ tensor: Uint8Array; fields: WireField[] }> {
  for (const init of model.initializers) {
    const [outer] = scanFields(init, 'initializer');
    if (outer.field !== GRAPH_INITIALIZER) continue;
    const tensor = init.subarray(outer.payloadStart, outer.end);
    yield { tensor, fields: scanFields(tensor, 'initializer') };
  }
}

const text = (bytes: Uint8Array, f: WireField) => new TextDecoder().decode(bytes.subarray(f.payloadStart, f.end));

/** TensorProto.DataType of each dense initializer, by name. */
export function initializerTypes(model: SplitModel): Map<string, number> {
  const types = new Map<string, number>();
  for (const { tensor, fields } of initializerFields(model)) {
    const name = fields.find((f) => f.field === TENSOR_NAME);
    const dataType = fields.find((f) => f.field === TENSOR_DATA_TYPE && f.wireType === 0);
    types.set(name ? text(tensor, name) : '', dataType ? readVarint(tensor, dataType.start + 1, 'initializer data_type')[0] : 0);
  }
  return types;
}

/** The external-data files the initializers name (their `location` entries); empty for a single-file model. */
export function externalLocations(model: SplitModel): Set<string> {
  const locations = new Set<string>();
  for (const { tensor, fields } of initializerFields(model)) {
    for (const f of fields.filter((x) => x.field === TENSOR_EXTERNAL_DATA)) {
      const entry = tensor.subarray(f.payloadStart, f.end);
      const parts = scanFields(entry, 'initializer external_data');
      const key = parts.find((p) => p.field === ENTRY_KEY);
      const value = parts.find((p) => p.field === ENTRY_VALUE);
      if (key && value && text(entry, key) === 'location') locations.add(text(entry, value));
    }
  }
  return locations;
}
