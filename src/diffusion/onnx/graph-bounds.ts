/**
 * Limits checked on a graph's bytes before it is decoded. Decoding makes an
 * object of every message, and a message can be 2 bytes on the wire: a
 * 4 MiB file of two million empty nodes took ~10 s and 1.4 GB to decode.
 * This walk allocates nothing and stops at the first limit crossed, so a
 * hostile file fails in milliseconds. The limits are far above real
 * exports (SD 1.5's UNet: ~5,000 nodes, ~25,000 messages, subgraphs 0 deep).
 *
 * - Messages (nodes, attributes, value infos, subgraph tensors, …) at most
 *   one per MIN_BYTES_PER_MESSAGE bytes of the graph's decoded part (all
 *   but the top graph's initializers), and MAX_MESSAGES in all: decoding
 *   cost is bounded by the file's size. Real nodes and attributes carry
 *   names, so they are never that small.
 * - At most MAX_NODES nodes, all subgraphs included, and MAX_INITIALIZERS
 *   top-level initializers (kept as byte ranges, one object each).
 * - Subgraphs (If/Loop/Scan attributes) nested at most MAX_DEPTH deep.
 *
 * Field numbers are onnx.proto's.
 */
import { WireFormatError } from './wire';

export const MAX_NODES = 200_000;
export const MAX_INITIALIZERS = 200_000;
export const MAX_DEPTH = 32;
const MAX_MESSAGES = 2_000_000;
const MIN_BYTES_PER_MESSAGE = 8;
/** Small graphs get this many messages whatever their size. */
const MIN_MESSAGE_ALLOWANCE = 4096;

/** GraphProto fields that decode to messages (node, initializer, input, output, value_info, quantization_annotation, sparse_initializer, metadata_props). */
const GRAPH_MESSAGES = new Set([1, 5, 11, 12, 13, 14, 15, 16]);
const GRAPH_NODE = 1;
const GRAPH_INITIALIZER = 5;
const GRAPH_SPARSE_INITIALIZER = 15;
/** NodeProto: attribute, metadata_props, device_configurations. */
const NODE_MESSAGES = new Set([5, 9, 10]);
const NODE_ATTRIBUTE = 5;
/** AttributeProto: t, g, tensors, graphs, tp, type_protos, sparse_tensor, sparse_tensors. */
const ATTRIBUTE_MESSAGES = new Set([5, 6, 10, 11, 14, 15, 22, 23]);
const ATTRIBUTE_GRAPH = 6;
const ATTRIBUTE_GRAPHS = 11;

interface Walk {
  what: string;
  nodes: number;
  messages: number;
  maxMessages: number;
  graphBytes: number;
}

/**
 * Calls `visit(field, payloadStart, end)` for each length-delimited field of
 * the message in [start, end) and skips the rest. Varints are read inline:
 * this loop runs once per field of a possibly hostile file, and readVarint's
 * tuple per call made it 10× slower.
 */
function forEachMessageField(bytes: Uint8Array, start: number, end: number, what: string, visit: (field: number, payloadStart: number, end: number) => void): void {
  let offset = start;
  const varint = (): number => {
    let value = 0;
    for (let scale = 1, i = 0; i < 10 && offset < end; i++, scale *= 128) {
      const b = bytes[offset++];
      value += (b & 0x7f) * scale;
      if (b < 0x80) return value;
    }
    throw new WireFormatError(`${what}: a varint runs past the end of its message at byte ${offset}: the file is truncated or not protobuf`);
  };
  while (offset < end) {
    const tag = varint();
    const field = Math.floor(tag / 8);
    const wireType = tag & 7;
    if (wireType === 0) varint();
    else if (wireType === 1) offset += 8;
    else if (wireType === 5) offset += 4;
    else if (wireType === 2) {
      const length = varint();
      const payloadStart = offset;
      offset += length;
      if (offset <= end) visit(field, payloadStart, offset);
    } else throw new WireFormatError(`${what}: wire type ${wireType} before byte ${offset} is not one protobuf uses (the file is not protobuf or is corrupt)`);
    if (offset > end) throw new WireFormatError(`${what}: field ${field} runs past the end of its message: the file is truncated or corrupt`);
  }
}

function countMessage(walk: Walk): void {
  if (++walk.messages > walk.maxMessages) {
    throw new WireFormatError(`${walk.what}: its graph holds more than ${walk.maxMessages} messages (nodes, attributes, value infos, …) for ${walk.graphBytes} bytes of graph structure (the limit: one per ${MIN_BYTES_PER_MESSAGE} bytes, at most ${MAX_MESSAGES}): not a model (a corrupt or hostile file?); refused before decoding`);
  }
}

function walkGraph(bytes: Uint8Array, start: number, end: number, depth: number, walk: Walk): void {
  if (depth > MAX_DEPTH) throw new WireFormatError(`${walk.what}: subgraphs (If/Loop/Scan bodies) nest more than ${MAX_DEPTH} deep: not a model this app loads (a corrupt or hostile file?); refused before decoding`);
  forEachMessageField(bytes, start, end, walk.what, (field, payloadStart, fieldEnd) => {
    // The top graph's initializers are carried as bytes, never decoded; a subgraph's are decoded with it.
    if (!GRAPH_MESSAGES.has(field) || (depth === 0 && (field === GRAPH_INITIALIZER || field === GRAPH_SPARSE_INITIALIZER))) return;
    countMessage(walk);
    if (field !== GRAPH_NODE) return;
    if (++walk.nodes > MAX_NODES) throw new WireFormatError(`${walk.what}: its graph has more than ${MAX_NODES} nodes (subgraphs included): not a model this app loads (a corrupt or hostile file?); refused before decoding`);
    forEachMessageField(bytes, payloadStart, fieldEnd, walk.what, (nodeField, attrStart, attrEnd) => {
      if (!NODE_MESSAGES.has(nodeField)) return;
      countMessage(walk);
      if (nodeField !== NODE_ATTRIBUTE) return;
      forEachMessageField(bytes, attrStart, attrEnd, walk.what, (attrField, subStart, subEnd) => {
        if (!ATTRIBUTE_MESSAGES.has(attrField)) return;
        countMessage(walk);
        if (attrField === ATTRIBUTE_GRAPH || attrField === ATTRIBUTE_GRAPHS) walkGraph(bytes, subStart, subEnd, depth + 1, walk);
      });
    });
  });
}

/**
 * Throws a WireFormatError naming `what` when the encoded GraphProto
 * `graph` crosses a limit above; returns its node count otherwise.
 */
export function checkGraphBounds(graph: Uint8Array, what: string): number {
  let decoded = graph.length;
  let initializers = 0;
  forEachMessageField(graph, 0, graph.length, what, (field, start, end) => {
    if (field !== GRAPH_INITIALIZER && field !== GRAPH_SPARSE_INITIALIZER) return;
    decoded -= end - start;
    if (++initializers > MAX_INITIALIZERS) throw new WireFormatError(`${what}: its graph has more than ${MAX_INITIALIZERS} initializers: not a model this app loads (a corrupt or hostile file?); refused before decoding`);
  });
  const maxMessages = Math.min(MAX_MESSAGES, Math.max(MIN_MESSAGE_ALLOWANCE, Math.floor(decoded / MIN_BYTES_PER_MESSAGE)));
  const walk: Walk = { what, nodes: 0, messages: 0, graphBytes: decoded, maxMessages };
  walkGraph(graph, 0, graph.length, 0, walk);
  return walk.nodes;
}
