/**
 * The element type of a tensor in a graph without value_info (torch.onnx
 * writes none for the UNet's intermediate tensors). The steering input must
 * have exactly the activation's type, and a fp16-IO UNet may still compute
 * in fp32 behind Cast nodes, so the graph inputs' type is no answer: walk
 * back through producers until a node fixes the type (ONNX operator specs:
 * Cast `to`, Constant `value`, Shape → int64, comparisons → bool) or an
 * input or initializer declares it. Every other op keeps its data inputs'
 * type, which holds for everything a UNet block ends in (Add, Conv, Mul,
 * Reshape, Transpose, MatMul, Resize).
 */
import type { GraphProto, NodeProto } from './gen/onnx_pb';

/** TensorProto.DataType values (onnx.proto). */
const FLOAT = 1;
const INT64 = 7;
const BOOL = 9;

const INT64_OPS = new Set(['Shape', 'Size', 'NonZero', 'ArgMax', 'ArgMin']);
const BOOL_OPS = new Set(['Equal', 'Less', 'Greater', 'LessOrEqual', 'GreaterOrEqual', 'Not', 'And', 'Or', 'Xor', 'IsNaN', 'IsInf']);

/** Type fixed by the node itself, or null when it follows an input. */
function fixedType(node: NodeProto): number | null {
  if (node.opType === 'Cast') return Number(node.attribute.find((a) => a.name === 'to')?.i ?? 0) || null;
  if (node.opType === 'Constant' || node.opType === 'ConstantOfShape') {
    const value = node.attribute[0];
    if (!value) return FLOAT; // ConstantOfShape's default value is a float 0
    if (value.t) return value.t.dataType;
    if (value.name === 'value_float' || value.name === 'value_floats') return FLOAT;
    if (value.name === 'value_int' || value.name === 'value_ints') return INT64;
    return null;
  }
  if (INT64_OPS.has(node.opType)) return INT64;
  if (BOOL_OPS.has(node.opType)) return BOOL;
  return null;
}

/** Where's and CastLike's first input does not carry the output's type (a condition, the cast's source). */
const firstTypedInput = (node: NodeProto): number => (node.opType === 'Where' || node.opType === 'CastLike' ? 1 : 0);

/**
 * `tensor`'s TensorProto.DataType, or null when the walk ends at a tensor
 * nothing declares. `initializers` gives the initializers' types by name.
 */
export function inferElemType(graph: GraphProto, initializers: ReadonlyMap<string, number>, tensor: string): number | null {
  const declared = new Map<string, number>();
  for (const v of [...graph.input, ...graph.valueInfo, ...graph.output]) {
    if (v.type?.value.case === 'tensorType' && v.type.value.value.elemType) declared.set(v.name, v.type.value.value.elemType);
  }
  const known = (name: string) => declared.get(name) ?? initializers.get(name);
  const producer = new Map<string, NodeProto>();
  for (const n of graph.node) for (const o of n.output) producer.set(o, n);
  // Iterative, not recursive: in SD 1.5 the chain back to `sample` is thousands of nodes long.
  for (let name = tensor, steps = 0; steps <= graph.node.length; steps++) {
    const type = known(name);
    if (type) return type;
    const node = producer.get(name);
    if (!node) return null;
    const fixed = fixedType(node);
    if (fixed) return fixed;
    // A declared input answers at once; otherwise follow one that some node produces.
    const inputs = node.input.slice(firstTypedInput(node)).filter((i) => i !== '');
    const next = inputs.find((i) => known(i)) ?? inputs.find((i) => producer.has(i));
    if (next === undefined) return null;
    name = next;
  }
  return null;
}
