/** Test helpers: small ONNX graphs built with the project's own protobuf schema. */
import { create, toBinary } from '@bufbuild/protobuf';
import { ModelProtoSchema, OperatorSetIdProtoSchema, TensorShapeProto_DimensionSchema, TensorShapeProtoSchema, TypeProto_TensorSchema, TypeProtoSchema, ValueInfoProtoSchema, type GraphProto, type ValueInfoProto } from './gen/onnx_pb';

/** A tensor value_info with numeric or symbolic dims. */
export function tensorInfo(name: string, elemType: number, dims: (number | string)[]): ValueInfoProto {
  const dim = dims.map((d) => create(TensorShapeProto_DimensionSchema, { value: typeof d === 'number' ? { case: 'dimValue', value: BigInt(d) } : { case: 'dimParam', value: d } }));
  return create(ValueInfoProtoSchema, { name, type: create(TypeProtoSchema, { value: { case: 'tensorType', value: create(TypeProto_TensorSchema, { elemType, shape: create(TensorShapeProtoSchema, { dim }) }) } }) });
}

/** A whole model file (IR 8, default-domain opset `opset`) around `graph`. */
export function modelBytes(graph: GraphProto, opset = 17): Uint8Array {
  return toBinary(ModelProtoSchema, create(ModelProtoSchema, { irVersion: 8n, opsetImport: [create(OperatorSetIdProtoSchema, { version: BigInt(opset) })], graph }));
}
