import { create } from '@bufbuild/protobuf';
import { describe, expect, it } from 'vitest';
import { concatBytes } from '../../data/concat-bytes';
import { AttributeProto_AttributeType, AttributeProtoSchema, GraphProtoSchema, NodeProtoSchema, type GraphProto } from './gen/onnx_pb';
import { MAX_DEPTH, MAX_INITIALIZERS, MAX_NODES } from './graph-bounds';
import { splitModel } from './graph-bytes';
import { modelBytes } from './graph-builders';
import { peerModelsNote, peerModelsPresent, readPeerModels } from './peer-models';
import { lengthPrefix } from './wire';

/** ir_version 8, then a graph field made of `count` copies of `field` (tag and payload). */
function modelOfRepeatedField(field: Uint8Array, count: number): Uint8Array {
  const graph = new Uint8Array(field.length * count);
  for (let i = 0; i < count; i++) graph.set(field, i * field.length);
  return concatBytes([Uint8Array.of(0x08, 8), lengthPrefix(7, graph.length), graph]);
}

/** splitModel's error on `bytes` (named `what`), and how long it took to fail. */
function refusal(bytes: Uint8Array, what: string): { message: string; ms: number } {
  const start = performance.now();
  try {
    splitModel(bytes, what);
  } catch (error) {
    return { message: (error as Error).message, ms: performance.now() - start };
  }
  throw new Error(`${what} was accepted`);
}

describe('decoding is bounded', () => {
  it('refuses 2 million empty nodes (4 MiB) in milliseconds, naming the file', () => {
    const bytes = modelOfRepeatedField(Uint8Array.of(0x0a, 0), 2_000_000);
    const { message, ms } = refusal(bytes, 'empty-nodes.onnx');
    console.info(`2,000,000 empty nodes (${bytes.length} bytes): refused in ${ms.toFixed(1)} ms`);
    expect(message).toMatch(/^empty-nodes\.onnx: its graph has more than 200000 nodes/);
    expect(ms).toBeLessThan(1000);
  });

  it('refuses more than MAX_NODES named nodes', () => {
    // NodeProto { output: "y", op_type: "Add" }: 10 bytes on the wire, dense enough to pass the size rule.
    const node = Uint8Array.of(0x0a, 8, 0x0a, 1, 0x79, 0x22, 3, 0x41, 0x64, 0x64);
    const { message, ms } = refusal(modelOfRepeatedField(node, MAX_NODES + 1), 'many-nodes.onnx');
    console.info(`${MAX_NODES + 1} named nodes: refused in ${ms.toFixed(1)} ms`);
    expect(message).toMatch(/^many-nodes\.onnx: its graph has more than 200000 nodes/);
    expect(ms).toBeLessThan(1000);
  });

  it('refuses 2 million empty value_infos (4 MiB) by the size rule, in milliseconds', () => {
    const { message, ms } = refusal(modelOfRepeatedField(Uint8Array.of(0x6a, 0), 2_000_000), 'empty-value-infos.onnx');
    console.info(`2,000,000 empty value_infos: refused in ${ms.toFixed(1)} ms`);
    expect(message).toMatch(/^empty-value-infos\.onnx: its graph holds more than 500000 messages .* for 4000000 bytes of graph structure/);
    expect(ms).toBeLessThan(1000);
  });

  it('refuses more than MAX_INITIALIZERS initializers', () => {
    const { message } = refusal(modelOfRepeatedField(Uint8Array.of(0x2a, 0), MAX_INITIALIZERS + 1), 'many-initializers.onnx');
    expect(message).toMatch(/^many-initializers\.onnx: its graph has more than 200000 initializers/);
  });

  it('refuses If subgraphs nested deeper than MAX_DEPTH, naming the file', () => {
    let graph: GraphProto = create(GraphProtoSchema, { name: 'innermost' });
    for (let depth = 0; depth <= MAX_DEPTH; depth++) {
      const branch = create(AttributeProtoSchema, { name: 'then_branch', type: AttributeProto_AttributeType.GRAPH, g: graph });
      graph = create(GraphProtoSchema, { name: `level ${depth}`, node: [create(NodeProtoSchema, { opType: 'If', input: ['c'], output: ['y'], attribute: [branch] })] });
    }
    const { message, ms } = refusal(modelBytes(graph), 'nested.onnx');
    console.info(`If nested ${MAX_DEPTH + 1} deep: refused in ${ms.toFixed(1)} ms`);
    expect(message).toMatch(/^nested\.onnx: subgraphs \(If\/Loop\/Scan bodies\) nest more than 32 deep/);
    expect(ms).toBeLessThan(1000);
  });

  it('accepts nesting up to MAX_DEPTH', () => {
    let graph: GraphProto = create(GraphProtoSchema, { name: 'innermost' });
    for (let depth = 1; depth <= MAX_DEPTH; depth++) {
      const branch = create(AttributeProtoSchema, { name: 'then_branch', type: AttributeProto_AttributeType.GRAPH, g: graph });
      graph = create(GraphProtoSchema, { node: [create(NodeProtoSchema, { opType: 'If', input: ['c'], output: ['y'], attribute: [branch] })] });
    }
    expect(splitModel(modelBytes(graph), 'nested.onnx').graph.node).toHaveLength(1);
  });
});

describe.skipIf(!peerModelsPresent)(`decoding limits on the ONNX backend test models${peerModelsNote}`, () => {
  it('let every one of them decode', () => {
    const refused: string[] = [];
    const models = readPeerModels();
    for (const { name, bytes } of models) {
      try {
        splitModel(bytes, name);
      } catch (error) {
        refused.push((error as Error).message);
      }
    }
    expect(refused).toEqual([]);
    expect(models).toHaveLength(1951);
  });
});

describe('decode errors', () => {
  it('name the file when the protobuf library fails inside the graph', () => {
    // A value_info whose payload is a truncated name field: whole as a graph field, broken inside, where only decoding looks.
    const { message } = refusal(modelOfRepeatedField(Uint8Array.of(0x6a, 2, 0x0a, 5), 1), 'truncated.onnx');
    expect(message).toMatch(/^truncated\.onnx: its graph does not decode as ONNX \(.+\)/);
  });
});
