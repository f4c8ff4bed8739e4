/** Test helpers: small ONNX graphs built with the project's own protobuf schema. */
import { create, fromBinary, toBinary } from '@bufbuild/protobuf';
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

/**
 * The model as an exporter that names no module writes it: nodes `<Op>_<i>`,
 * the tensors they make `onnx::<Op>_<i>` (torch ≤ 1.12's style) and, with
 * `parameters`, the initializers `onnx::Param_<k>` too. Graph inputs and
 * outputs keep their names: they are the model's interface.
 */
export function withoutModulePaths(bytes: Uint8Array, options: { parameters: boolean }): Uint8Array {
  const model = fromBinary(ModelProtoSchema, bytes);
  const graph = model.graph!;
  const kept = new Set([...graph.input, ...graph.output].map((v) => v.name));
  const renamed = new Map<string, string>();
  graph.node.forEach((n, i) => {
    n.name = `${n.opType}_${i}`;
    n.output.forEach((o, k) => kept.has(o) || renamed.set(o, `onnx::${n.opType}_${i}_${k}`));
  });
  if (options.parameters) graph.initializer.forEach((t, k) => renamed.set(t.name, `onnx::Param_${k}`));
  const rename = (name: string) => renamed.get(name) ?? name;
  for (const n of graph.node) {
    n.input = n.input.map(rename);
    n.output = n.output.map(rename);
  }
  for (const t of graph.initializer) t.name = rename(t.name);
  for (const v of graph.valueInfo) v.name = rename(v.name);
  return toBinary(ModelProtoSchema, model);
}
