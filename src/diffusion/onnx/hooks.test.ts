import { create } from '@bufbuild/protobuf';
import { describe, expect, it } from 'vitest';
import { GraphProtoSchema, NodeProtoSchema, StringStringEntryProtoSchema, type NodeProto } from './gen/onnx_pb';
import { tensorInfo } from './graph-builders';
import { inferElemType } from './elem-type';
import { initializerTypes, splitModel } from './graph-bytes';
import { blockOf, listUnetHooks } from './hooks';
import { externalGraph, referenceFeeds, session, singleFile, toyManifest, withExtraOutputs } from './toy-unet-fixture';

const FLOAT = 1;
const FLOAT16 = 10;

/** A node as the dynamo exporter writes it: its module scopes as repr() of a Python list. */
function dynamoNode(opType: string, input: string[], output: string, scopes: string[]): NodeProto {
  const value = `[${['', ...scopes, `${opType.toLowerCase()}_${output}`].map((s) => `'${s}'`).join(', ')}]`;
  return create(NodeProtoSchema, { name: `node_${output}`, opType, input, output: [output], metadataProps: [create(StringStringEntryProtoSchema, { key: 'pkg.torch.onnx.name_scopes', value })] });
}


describe('listUnetHooks on the toy UNet (TorchScript node names)', () => {
  const hooks = listUnetHooks(splitModel(singleFile, 'toy UNet').graph);

  it("finds the manifest's catalogue, in order, with its output tensors, plus the samplers the catalogue leaves out", () => {
    const catalogue = toyManifest.hooks;
    expect(hooks.filter((h) => !/samplers/.test(h.path)).map((h) => [h.path, h.output])).toEqual(catalogue.map((h) => [h.path, h.onnxOutput]));
    expect(hooks.filter((h) => /samplers/.test(h.path)).map((h) => h.path)).toEqual([
      'down_blocks.0.downsamplers.0',
      'down_blocks.1.downsamplers.0',
      'down_blocks.2.downsamplers.0',
      'up_blocks.0.upsamplers.0',
      'up_blocks.1.upsamplers.0',
      'up_blocks.2.upsamplers.0',
    ]);
    expect(hooks.find((h) => h.path === 'up_blocks.0.upsamplers.0')?.output).toBe('/up_blocks.0/upsamplers.0/conv/Conv_output_0');
  });

  it('finds the same blocks in the external-data graph', () => {
    expect(listUnetHooks(splitModel(externalGraph, 'toy UNet graph').graph)).toEqual(hooks);
  });

  it('reports no shape, because torch.onnx wrote no value_info; running the graph gives the catalogue shapes', async () => {
    expect(splitModel(singleFile, 'toy UNet').graph.valueInfo).toHaveLength(0);
    expect(hooks.every((h) => h.shape === null && h.elemType === null)).toBe(true);
    // Independent check of the catalogue: every block output read back from ORT.
    const s = await session(withExtraOutputs(singleFile, hooks.map((h) => h.output)));
    const out = await s.run(referenceFeeds());
    for (const h of toyManifest.hooks) expect(out[h.onnxOutput].dims, h.path).toEqual([1, h.channels, h.height, h.width]);
  });

  it('infers float32 for every block output from the graph (walking back to inputs, initializers and Casts)', () => {
    const split = splitModel(singleFile, 'toy UNet');
    const types = initializerTypes(split);
    expect(types.size).toBe(450);
    for (const h of hooks) expect(inferElemType(split.graph, types, h.output), h.path).toBe(FLOAT);
  });
});

describe('listUnetHooks on dynamo-style metadata', () => {
  // A resnet whose residual Add is followed by another block, an attention block read by a graph output.
  const graph = create(GraphProtoSchema, {
    node: [
      dynamoNode('Conv', ['x', 'w'], 'c1', ['down_blocks.0', 'down_blocks.0.resnets.0', 'down_blocks.0.resnets.0.conv1']),
      dynamoNode('Add', ['x', 'c1'], 'res', ['down_blocks.0', 'down_blocks.0.resnets.0']),
      dynamoNode('Mul', ['res', 'res'], 'sq', ['down_blocks.0', 'down_blocks.0.attentions.0', 'down_blocks.0.attentions.0.proj_in']),
      dynamoNode('Add', ['sq', 'res'], 'att', ['down_blocks.0', 'down_blocks.0.attentions.0']),
      dynamoNode('Relu', ['att'], 'y', []),
    ],
    input: [tensorInfo('x', FLOAT16, ['batch', 8, 4, 4])],
    output: [tensorInfo('y', FLOAT16, ['batch', 8, 4, 4])],
    valueInfo: [tensorInfo('res', FLOAT16, ['batch', 8, 'h', 'w'])],
  });

  it('reads block paths from name_scopes, including through a wrapper module', () => {
    expect(graph.node.map(blockOf)).toEqual(['down_blocks.0.resnets.0', 'down_blocks.0.resnets.0', 'down_blocks.0.attentions.0', 'down_blocks.0.attentions.0', null]);
    expect(blockOf(dynamoNode('Add', [], 'z', ['unet', 'unet.mid_block', 'unet.mid_block.resnets.1']))).toBe('mid_block.resnets.1');
    expect(blockOf(create(NodeProtoSchema, { name: '/unet/up_blocks.3/attentions.2/Add_1' }))).toBe('up_blocks.3.attentions.2');
    expect(blockOf(create(NodeProtoSchema, { name: '/up_blocks.1/Concat' }))).toBeNull();
  });

  it("takes each block's last tensor read outside it, with value_info's dims (numeric and symbolic)", () => {
    expect(listUnetHooks(graph)).toEqual([
      { path: 'down_blocks.0.resnets.0', output: 'res', shape: [8, 'h', 'w'], batch: 'batch', elemType: FLOAT16 },
      { path: 'down_blocks.0.attentions.0', output: 'att', shape: null, batch: null, elemType: null },
    ]);
  });

  it('infers the type of an undeclared tensor behind a Cast, not from the graph inputs', () => {
    const g = create(GraphProtoSchema, {
      node: [create(NodeProtoSchema, { opType: 'Cast', input: ['x'], output: ['xf'], attribute: [{ name: 'to', type: 2, i: BigInt(FLOAT) }] }), create(NodeProtoSchema, { opType: 'Add', input: ['bias', 'xf'], output: ['a'] })],
      input: [tensorInfo('x', FLOAT16, [1])],
    });
    // 'bias' is declared nowhere, so the walk goes on through 'xf'.
    expect(inferElemType(g, new Map(), 'a')).toBe(FLOAT);
    expect(inferElemType(g, new Map([['bias', FLOAT16]]), 'a')).toBe(FLOAT16);
    expect(inferElemType(g, new Map(), 'undeclared')).toBeNull();
    expect(inferElemType(g, new Map(), 'xf')).toBe(FLOAT);
    expect(inferElemType(g, new Map(), 'x')).toBe(FLOAT16);
  });
});
