/**
 * fp16 LayerNorms computed in fp32. Exporters before opset 17 write
 * LayerNorm as ReduceMean(x) → Sub(x, mean) → Pow(d, 2) → ReduceMean →
 * Add(eps) → Sqrt → Div(d, std), then Mul(γ) and Add(β). In fp16 the
 * squares overflow once |x − mean| passes √65504 ≈ 256: onnxruntime-web's
 * WebGPU kernels then compute an infinite variance and a row of zeros (its
 * CPU kernels happen to compute these nodes in fp32). Here each such
 * pattern whose input is fp16 gets a Cast to fp32 on x, on its constants
 * (the exponent, eps), and a Cast back to fp16 after the Div, so the
 * pattern runs in fp32 and everything around it (γ, β included) stays as
 * it was. Patterns are matched by structure, not by node names; an fp32
 * graph has none to change.
 */
import { create } from '@bufbuild/protobuf';
import { AttributeProto_AttributeType, AttributeProtoSchema, NodeProtoSchema, TensorProto_DataType, type GraphProto, type NodeProto } from './gen/onnx_pb';
import { concatBytes } from '../../data/concat-bytes';
import { elemTypes } from './elem-type';
import { initializerTypes, joinModel, splitModel } from './graph-bytes';

/** The nodes of one decomposed LayerNorm, in the order the graph computes them. */
interface LayerNormNodes {
  mean: NodeProto;
  sub: NodeProto;
  pow: NodeProto;
  variance: NodeProto;
  addEps: NodeProto;
  sqrt: NodeProto;
  div: NodeProto;
}

function indexGraph(graph: GraphProto) {
  const producer = new Map<string, NodeProto>();
  const consumers = new Map<string, NodeProto[]>();
  for (const node of graph.node) {
    for (const o of node.output) producer.set(o, node);
    for (const i of node.input) consumers.set(i, [...(consumers.get(i) ?? []), node]);
  }
  return { producer, consumers };
}

/** The pattern ending at `div`, or null; its intermediate tensors must be read only inside it, so retyping them changes nothing else. */
function matchAt(div: NodeProto, graph: GraphProto, index: ReturnType<typeof indexGraph>): LayerNormNodes | null {
  const { producer, consumers } = index;
  const made = (tensor: string | undefined, opType: string) => {
    const node = tensor === undefined ? undefined : producer.get(tensor);
    return node?.opType === opType ? node : undefined;
  };
  if (div.opType !== 'Div' || div.input.length !== 2) return null;
  const [d, std] = div.input;
  const sqrt = made(std, 'Sqrt');
  const addEps = made(sqrt?.input[0], 'Add');
  const variance = addEps?.input.map((t) => made(t, 'ReduceMean')).find((n) => n !== undefined);
  const pow = made(variance?.input[0], 'Pow');
  const sub = made(d, 'Sub');
  const mean = made(sub?.input[1], 'ReduceMean');
  if (!sqrt || !addEps || !variance || !pow || !sub || !mean || pow.input[0] !== d || mean.input[0] !== sub.input[0]) return null;
  const outputs = new Set(graph.output.map((o) => o.name));
  const readers = (node: NodeProto) => consumers.get(node.output[0]) ?? [];
  const inside = new Set([mean, sub, pow, variance, addEps, sqrt, div]);
  const internal = [mean, sub, pow, variance, addEps, sqrt];
  if (internal.some((n) => n.output.length !== 1 || outputs.has(n.output[0]) || readers(n).some((r) => !inside.has(r)))) return null;
  return { mean, sub, pow, variance, addEps, sqrt, div };
}

/** Makes names that no node or tensor of the graph has yet. */
function uniqueNames(graph: GraphProto): (wanted: string) => string {
  const taken = new Set<string>([...graph.input, ...graph.output, ...graph.valueInfo].map((v) => v.name));
  for (const node of graph.node) for (const name of [node.name, ...node.input, ...node.output]) taken.add(name);
  return (wanted) => {
    let name = wanted;
    for (let k = 1; taken.has(name); k++) name = `${wanted}_${k}`;
    taken.add(name);
    return name;
  };
}

const cast = (name: string, input: string, output: string, to: TensorProto_DataType) =>
  create(NodeProtoSchema, { name, opType: 'Cast', input: [input], output: [output], attribute: [create(AttributeProtoSchema, { name: 'to', type: AttributeProto_AttributeType.INT, i: BigInt(to) })] });

/**
 * Rewrites every fp16 decomposed LayerNorm of `graph` to compute in fp32, in
 * place. `initializers`: the initializers' element types by name. Returns
 * how many patterns were rewritten.
 */
export function castLayerNormsToFloat32(graph: GraphProto, initializers: ReadonlyMap<string, number>): number {
  const { FLOAT, FLOAT16 } = TensorProto_DataType;
  const index = indexGraph(graph);
  const types = elemTypes(graph, initializers);
  const patterns = graph.node.map((n) => matchAt(n, graph, index)).filter((p): p is LayerNormNodes => p !== null && types.get(p.mean.input[0]) === FLOAT16);
  const unique = uniqueNames(graph);
  const before = new Map<NodeProto, NodeProto[]>();
  const after = new Map<NodeProto, NodeProto>();
  const castInput = (node: NodeProto, slot: number) => {
    const name = unique(`${node.name || node.output[0]}/Cast_${slot}_to_float32`);
    const output = unique(`${name}_output_0`);
    before.set(node, [...(before.get(node) ?? []), cast(name, node.input[slot], output, FLOAT)]);
    return output;
  };
  for (const p of patterns) {
    const x = castInput(p.mean, 0);
    p.mean.input[0] = x;
    p.sub.input[0] = x;
    p.pow.input[1] = castInput(p.pow, 1);
    p.addEps.input.forEach((t, slot) => {
      if (t !== p.variance.output[0]) p.addEps.input[slot] = castInput(p.addEps, slot);
    });
    const y = p.div.output[0];
    const yFloat32 = unique(`${y}_float32`);
    p.div.output[0] = yFloat32;
    after.set(p.div, cast(unique(`${p.div.name || y}/Cast_to_float16`), yFloat32, y, FLOAT16));
    // Declared types of the tensors now computed in fp32.
    const retyped = new Set([p.mean, p.sub, p.pow, p.variance, p.addEps, p.sqrt].map((n) => n.output[0]));
    for (const info of graph.valueInfo) if (retyped.has(info.name) && info.type?.value.case === 'tensorType') info.type.value.value.elemType = FLOAT;
  }
  if (patterns.length > 0) graph.node = graph.node.flatMap((n) => [...(before.get(n) ?? []), n, ...(after.has(n) ? [after.get(n)!] : [])]);
  return patterns.length;
}

/**
 * A whole model with its fp16 LayerNorms computed in fp32, and how many
 * changed: `bytes` itself, not a copy, when none did (an fp32 graph, or one
 * whose LayerNorms are fused). `what` names the file in decoding errors.
 */
export function withFloat32LayerNorms(bytes: Uint8Array, what = 'model'): { bytes: Uint8Array; changed: number } {
  const model = splitModel(bytes, what);
  const changed = castLayerNormsToFloat32(model.graph, initializerTypes(model));
  return { bytes: changed > 0 ? concatBytes(joinModel(model)) : bytes, changed };
}
