import { create } from '@bufbuild/protobuf';
import * as ort from 'onnxruntime-web';
import { describe, expect, it } from 'vitest';
import { concatBytes } from '../../data/concat-bytes';
import { GraphProtoSchema, NodeProtoSchema, TensorProtoSchema, type GraphProto } from './gen/onnx_pb';
import { elemTypes, ElemTypeError, inferElemType } from './elem-type';
import { initializerTypes, splitModel } from './graph-bytes';
import { modelBytes, tensorInfo } from './graph-builders';
import { declaredElemType } from './op-output-types';
import { peerModelsNote, peerModelsPresent, readPeerModels } from './peer-models';
import { hookUnet } from './surgery';

const FLOAT = 1;
const INT64 = 7;
const BLOCK = 'up_blocks.0.attentions.0';

const int64Initializer = (name: string, values: number[]) => create(TensorProtoSchema, { name, dataType: INT64, dims: [BigInt(values.length)], int64Data: values.map(BigInt) });

/**
 * light_shufflenet's channel shuffle as a UNet block ends: Reshape(x, shape)
 * with an int64 shape initializer and data from an undeclared tensor, no
 * value_info. Inferring from "any typed input" declared the hook int64.
 */
function reshapeBlockModel(): Uint8Array {
  const graph = create(GraphProtoSchema, {
    name: 'reshape block',
    node: [
      create(NodeProtoSchema, { name: '/up_blocks.0/attentions.0/Relu', opType: 'Relu', input: ['sample'], output: ['relu'] }),
      create(NodeProtoSchema, { name: '/up_blocks.0/attentions.0/Reshape', opType: 'Reshape', input: ['relu', 'to_tokens'], output: ['tokens'] }),
      create(NodeProtoSchema, { name: '/conv_out/Reshape', opType: 'Reshape', input: ['tokens', 'to_image'], output: ['out_sample'] }),
    ],
    initializer: [int64Initializer('to_tokens', [1, 2, 4, 2]), int64Initializer('to_image', [1, 4, 2, 2])],
    input: [tensorInfo('sample', FLOAT, [1, 4, 2, 2])],
    output: [tensorInfo('out_sample', FLOAT, [1, 4, 2, 2])],
  });
  return modelBytes(graph, 14);
}

describe('element types at a Reshape-ended block', () => {
  it("takes the data input's type, not the int64 shape's, and onnxruntime runs the hooked graph", async () => {
    const bytes = reshapeBlockModel();
    const split = splitModel(bytes, 'reshape block');
    expect(inferElemType(split.graph, initializerTypes(split), 'tokens')).toBe(FLOAT);
    const hooked = hookUnet(bytes, BLOCK, 'reshape block');
    const model = splitModel(concatBytes(hooked.parts), 'hooked');
    expect(declaredElemType(model.graph.input.find((i) => i.name === hooked.steerInput)?.type)).toBe(FLOAT);
    const session = await ort.InferenceSession.create(concatBytes(hooked.parts));
    const sample = Float32Array.from({ length: 16 }, (_, i) => i - 8);
    const steer = new Float32Array(16).fill(0.5);
    const out = await session.run({ sample: new ort.Tensor('float32', sample, [1, 4, 2, 2]), [hooked.steerInput]: new ort.Tensor('float32', steer, [1, 2, 4, 2]) });
    await session.release();
    expect([...(out.out_sample.data as Float32Array)]).toEqual([...sample].map((v) => Math.max(v, 0) + 0.5));
  });

  it('names the node where inference stops instead of guessing', () => {
    const graph = create(GraphProtoSchema, {
      node: [
        create(NodeProtoSchema, { name: 'mystery', domain: 'example.custom', opType: 'Blend', input: ['x'], output: ['b'] }),
        create(NodeProtoSchema, { name: 'flat', opType: 'Reshape', input: ['b', 'shape'], output: ['r'] }),
      ],
      input: [tensorInfo('x', FLOAT, [4]), tensorInfo('shape', INT64, [1])],
    });
    expect(() => inferElemType(graph, new Map(), 'r')).toThrow(ElemTypeError);
    expect(() => inferElemType(graph, new Map(), 'r')).toThrow(/node "mystery" \(example\.custom:Blend\) has no element-type rule/);
  });
});

/** Inferred against declared type of every graph output a node produces, with the outputs' declarations hidden. */
function compareOutputs(graph: GraphProto, initializers: ReadonlyMap<string, number>) {
  const inferred = elemTypes({ ...graph, output: [] }, initializers);
  const produced = new Map(graph.node.flatMap((n) => n.output.map((o) => [o, n] as const)));
  const rows: { output: string; declared: number; inferred: number | undefined; op: string }[] = [];
  for (const o of graph.output) {
    const declared = declaredElemType(o.type);
    const node = produced.get(o.name);
    if (declared && node) rows.push({ output: o.name, declared, inferred: inferred.get(o.name), op: `${node.domain ? `${node.domain}:` : ''}${node.opType}` });
  }
  return rows;
}

/** Ops the rules leave untyped on purpose (their types depend on attributes or domains not modelled), as the peer models use them. */
const UNTYPED_OPS = new Set(['CausalConvWithState', 'LinearAttention', 'SwiGLU', 'ai.onnx.preview:FlexAttention', 'ai.onnx.ml:ArrayFeatureExtractor', 'ai.onnx.ml:Binarizer', 'ai.onnx.ml:LabelEncoder', 'ai.onnx.ml:TreeEnsemble', 'ai.onnx.preview.training:Adagrad', 'ai.onnx.preview.training:Adam', 'ai.onnx.preview.training:Gradient', 'ai.onnx.preview.training:Momentum']);

describe.skipIf(!peerModelsPresent)(`element types on the ONNX backend test models${peerModelsNote}`, () => {
  it("equal every graph output's declared type wherever a rule reaches it", () => {
    const start = performance.now();
    const counts = { models: 0, outputs: 0, agree: 0, untyped: 0 };
    const disagree: string[] = [];
    const untypedOps = new Set<string>();
    for (const { name, bytes } of readPeerModels()) {
      const split = splitModel(bytes, name);
      counts.models++;
      for (const row of compareOutputs(split.graph, initializerTypes(split))) {
        counts.outputs++;
        if (row.inferred === undefined) {
          counts.untyped++;
          untypedOps.add(row.op);
        } else if (row.inferred === row.declared) counts.agree++;
        else disagree.push(`${name} ${row.output} (${row.op}): declared ${row.declared}, inferred ${row.inferred}`);
      }
    }
    console.info(`element types: ${counts.models} models, ${counts.outputs} node outputs with a declared type: ${counts.agree} agree, ${disagree.length} differ, ${counts.untyped} untyped (${[...untypedOps].sort().join(', ')}); ${(performance.now() - start).toFixed(0)} ms`);
    expect(disagree).toEqual([]);
    expect([...untypedOps].filter((op) => !UNTYPED_OPS.has(op))).toEqual([]);
    expect(counts.models).toBe(1951);
  });
});

describe('element types on a long chain', () => {
  it('cost one visit per node and input even with the nodes in reverse order', () => {
    const length = 100_000;
    const node = (i: number) => create(NodeProtoSchema, { opType: 'Relu', input: [i === 0 ? 'x' : `t${i - 1}`], output: [`t${i}`] });
    const graph = create(GraphProtoSchema, { node: Array.from({ length }, (_, i) => node(length - 1 - i)), input: [tensorInfo('x', FLOAT, [1])] });
    const start = performance.now();
    expect(inferElemType(graph, new Map(), `t${length - 1}`)).toBe(FLOAT);
    expect(performance.now() - start).toBeLessThan(2000);
  });
});
