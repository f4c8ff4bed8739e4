/** Test fixture: LayerNorm as opset-14 exports decompose it. */
import { create } from '@bufbuild/protobuf';
import { f32ArrayToF16 } from '../../data/float16';
import { AttributeProto_AttributeType, AttributeProtoSchema, GraphProtoSchema, NodeProtoSchema, TensorProto_DataType, TensorProtoSchema } from './gen/onnx_pb';
import { modelBytes, tensorInfo } from './graph-builders';

/**
 * LayerNorm over the last axis of an [1, width] `x` as torch 1.13 exports
 * it at opset 14, without the weight and bias: `y`, and with
 * `varianceOutput` the variance `v` as a graph output too.
 */
export function decomposedLayerNorm(width: number, options: { elemType: TensorProto_DataType; varianceOutput: boolean }): Uint8Array {
  const { elemType } = options;
  const raw = (value: number) => new Uint8Array(elemType === TensorProto_DataType.FLOAT16 ? f32ArrayToF16(Float32Array.of(value)).buffer : Float32Array.of(value).buffer);
  const scalar = (name: string, value: number) => create(TensorProtoSchema, { name, dataType: elemType, dims: [], rawData: raw(value) });
  const lastAxis = create(AttributeProtoSchema, { name: 'axes', type: AttributeProto_AttributeType.INTS, ints: [-1n] });
  const node = (opType: string, input: string[], output: string) => create(NodeProtoSchema, { opType, input, output: [output], name: output, attribute: opType === 'ReduceMean' ? [lastAxis] : [] });
  const graph = create(GraphProtoSchema, {
    name: 'layer-norm',
    initializer: [scalar('two', 2), scalar('eps', 1e-5)],
    node: [node('ReduceMean', ['x'], 'mean'), node('Sub', ['x', 'mean'], 'd'), node('Pow', ['d', 'two'], 'squares'), node('ReduceMean', ['squares'], 'v'), node('Add', ['v', 'eps'], 'v_eps'), node('Sqrt', ['v_eps'], 'std'), node('Div', ['d', 'std'], 'y')],
    input: [tensorInfo('x', elemType, [1, width])],
    output: [...(options.varianceOutput ? [tensorInfo('v', elemType, [1, 1])] : []), tensorInfo('y', elemType, [1, width])],
  });
  return modelBytes(graph, 14);
}
