import { fromBinary, toBinary } from '@bufbuild/protobuf';
import { GraphProtoSchema, type GraphProto } from './gen/onnx_pb';
import { lengthPrefix, scanFields, WireFormatError, type WireField } from './wire';

/** ModelProto.graph and GraphProto.initializer / sparse_initializer (onnx.proto field numbers). */
const MODEL_GRAPH = 7;
const GRAPH_INITIALIZER = 5;
const GRAPH_SPARSE_INITIALIZER = 15;
/** ModelProto.ir_version: every ONNX file starts with it. */
const MODEL_IR_VERSION = 1;

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

export function splitModel(bytes: Uint8Array, what: string): SplitModel {
  if (bytes.length < 8) throw new WireFormatError(`${what} has ${bytes.length} bytes: not an ONNX model`);
  const fields = scanFields(bytes, what);
  if (fields[0]?.field !== MODEL_IR_VERSION) throw new WireFormatError(`${what} does not start with an ONNX ir_version field: not an ONNX model`);
  const graphFields = fields.filter((f) => f.field === MODEL_GRAPH && f.wireType === 2);
  if (graphFields.length !== 1) throw new WireFormatError(`${what} has ${graphFields.length} graph fields; an ONNX model has exactly one`);
  const g = graphFields[0];
  const view = (f: WireField) => bytes.subarray(f.start, f.end);
  const graphBytes = bytes.subarray(g.payloadStart, g.end);
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
    graph: fromBinary(GraphProtoSchema, restBytes),
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

export function concatParts(parts: readonly Uint8Array[]): Uint8Array {
  if (parts.length === 1) return parts[0];
  const out = new Uint8Array(parts.reduce((n, p) => n + p.length, 0));
  let offset = 0;
  for (const p of parts) {
    out.set(p, offset);
    offset += p.length;
  }
  return out;
}
