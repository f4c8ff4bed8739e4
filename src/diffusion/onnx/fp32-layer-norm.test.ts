import { equals, fromBinary } from '@bufbuild/protobuf';
import { beforeAll, describe, expect, it } from 'vitest';
import { configureWasm, ModelSession } from '../ort-runtime';
import { ModelProtoSchema, TensorProto_DataType } from './gen/onnx_pb';
import { elemTypes } from './elem-type';
import { withFloat32LayerNorms } from './fp32-layer-norm';
import { decomposedLayerNorm } from './layer-norm-fixture';

const { FLOAT, FLOAT16 } = TensorProto_DataType;
const width = 48;
/** A row whose largest |x − mean| is 462: its square overflows fp16. */
const x = Float32Array.from({ length: width }, (_, i) => (i === 0 ? 472 : i % 2 ? 1 : -1));

beforeAll(() => configureWasm(1));

describe('castLayerNormsToFloat32', () => {
  it('computes an fp16 decomposed LayerNorm in fp32 between Casts, its input and output still fp16', () => {
    const { bytes, changed } = withFloat32LayerNorms(decomposedLayerNorm(width, { elemType: FLOAT16, varianceOutput: false }));
    expect(changed).toBe(1);
    const graph = fromBinary(ModelProtoSchema, bytes).graph!;
    const types = elemTypes(graph, new Map(graph.initializer.map((t) => [t.name, t.dataType])));
    for (const tensor of ['mean', 'd', 'squares', 'v', 'v_eps', 'std']) expect(types.get(tensor), tensor).toBe(FLOAT);
    expect(types.get('x')).toBe(FLOAT16);
    expect(types.get('y')).toBe(FLOAT16);
    // x, the exponent and eps cast up, the Div's result cast back.
    expect(graph.node.map((n) => n.opType)).toEqual(['Cast', 'ReduceMean', 'Sub', 'Cast', 'Pow', 'ReduceMean', 'Cast', 'Add', 'Sqrt', 'Div', 'Cast']);
    expect(new Set(graph.node.map((n) => n.name)).size).toBe(graph.node.length);
    expect(graph.node.at(-1)!.output).toEqual(['y']);
  });

  it('leaves an fp32 graph as it was', () => {
    const original = decomposedLayerNorm(width, { elemType: FLOAT, varianceOutput: false });
    const { bytes, changed } = withFloat32LayerNorms(original);
    expect(changed).toBe(0);
    expect(equals(ModelProtoSchema, fromBinary(ModelProtoSchema, bytes), fromBinary(ModelProtoSchema, original))).toBe(true);
  });

  it('leaves a pattern alone when a tensor inside it is read elsewhere (here the variance, a graph output), whose type must not change', () => {
    expect(withFloat32LayerNorms(decomposedLayerNorm(width, { elemType: FLOAT16, varianceOutput: true })).changed).toBe(0);
  });

  it('gives a valid model that normalises the row right on wasm', { timeout: 60_000 }, async () => {
    const mean = x.reduce((a, b) => a + b) / width;
    const variance = x.reduce((a, b) => a + (b - mean) ** 2, 0) / width;
    const session = await ModelSession.create('LayerNorm', withFloat32LayerNorms(decomposedLayerNorm(width, { elemType: FLOAT16, varianceOutput: false })).bytes, { provider: 'wasm' });
    try {
      const y = (await session.run({ x: { data: x, dims: [1, width] } }, ['y'])).y.data!;
      y.forEach((value, i) => expect(value).toBeCloseTo((x[i] - mean) / Math.sqrt(variance + 1e-5), 2));
    } finally {
      await session.release();
    }
  });
});
