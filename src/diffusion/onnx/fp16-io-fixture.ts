/**
 * Test fixture: a model with SD 1.5 fp16 exports' IO (float16 `sample`,
 * `encoder_hidden_states`, `timestep` and `out_sample`, as the nmkd export
 * has them) made from an fp32 graph, by Cast nodes at the boundary: the
 * runtime's fp16 paths (Uint16Array feeds and outputs, a float16 timestep)
 * run on the toy model without fp16 weights.
 */
import { create, fromBinary, toBinary } from '@bufbuild/protobuf';
import { AttributeProto_AttributeType, AttributeProtoSchema, ModelProtoSchema, NodeProtoSchema, type ValueInfoProto } from './gen/onnx_pb';

/** TensorProto.DataType (onnx.proto). */
const FLOAT = 1;
const FLOAT16 = 10;

function setElemType(value: ValueInfoProto, elemType: number): void {
  if (value.type?.value.case !== 'tensorType') throw new Error(`${value.name} is not a tensor`);
  value.type.value.value.elemType = elemType;
}

function cast(input: string, output: string, to: number) {
  return create(NodeProtoSchema, {
    name: `/fp16_io/Cast_${output}`,
    opType: 'Cast',
    input: [input],
    output: [output],
    attribute: [create(AttributeProtoSchema, { name: 'to', type: AttributeProto_AttributeType.INT, i: BigInt(to) })],
  });
}

export function withFp16Io(bytes: Uint8Array, inputs: readonly string[], outputs: readonly string[]): Uint8Array {
  const model = fromBinary(ModelProtoSchema, bytes);
  const graph = model.graph!;
  const front = [];
  for (const name of inputs) {
    const value = graph.input.find((i) => i.name === name)!;
    const original = value.type?.value.case === 'tensorType' ? value.type.value.value.elemType : FLOAT;
    setElemType(value, FLOAT16);
    const inner = `${name}_fp16_io`;
    for (const n of graph.node) n.input = n.input.map((i) => (i === name ? inner : i));
    front.push(cast(name, inner, original));
  }
  const back = [];
  for (const name of outputs) {
    const value = graph.output.find((o) => o.name === name)!;
    setElemType(value, FLOAT16);
    const inner = `${name}_fp16_io`;
    for (const n of graph.node) n.output = n.output.map((o) => (o === name ? inner : o));
    back.push(cast(inner, name, FLOAT16));
  }
  graph.node = [...front, ...graph.node, ...back];
  return toBinary(ModelProtoSchema, model);
}
