/**
 * The element type of a tensor in a graph without value_info (torch.onnx
 * writes none for the UNet's intermediate tensors). The steering input must
 * have exactly the activation's type, and a fp16-IO UNet may still compute
 * in fp32 behind Cast nodes, so the graph inputs' type is no answer.
 *
 * A declaration answers first (graph input, value_info, graph output,
 * initializer). Otherwise types flow forward through the nodes, each output
 * taking the type its operator's spec gives it (op-output-types.ts): the
 * data input's for Reshape or Transpose, never their int64 shape or
 * permutation inputs. A tensor whose type no rule reaches is an error that
 * names the node where the trail ends, not a guess.
 */
import type { GraphProto, NodeProto } from './gen/onnx_pb';
import { declaredElemType, outputTypeSource, type SubgraphSource, type TypeSource } from './op-output-types';

export class ElemTypeError extends Error {
  override name = 'ElemTypeError';
}

/** Declared types: an enclosing graph's (for a subgraph), initializers, then graph inputs, value_info and graph outputs. */
function declaredTypes(graph: GraphProto, initializers: ReadonlyMap<string, number>, outer: ReadonlyMap<string, number>): Map<string, number> {
  const types = new Map(outer);
  for (const [name, type] of initializers) if (type) types.set(name, type);
  for (const t of graph.initializer) if (t.dataType) types.set(t.name, t.dataType);
  for (const v of [...graph.input, ...graph.valueInfo, ...graph.output]) {
    const type = declaredElemType(v.type);
    if (type) types.set(v.name, type);
  }
  return types;
}

/** A subgraph output's type: declared, or inferred inside it with its undeclared inputs bound to the node's. */
function resolveSubgraph(source: SubgraphSource, types: ReadonlyMap<string, number>): number | undefined {
  for (const graph of source.graphs) {
    const output = graph.output[source.output];
    if (!output) continue;
    const declared = declaredElemType(output.type);
    if (declared) return declared;
    // Scan before opset 9 has one node input (sequence_lens) that no body input takes: align from the end.
    const formals = source.formals.slice(Math.max(0, source.formals.length - graph.input.length));
    const scope = new Map(types);
    graph.input.forEach((input, i) => {
      const actual = formals[i];
      const type = typeof actual === 'number' ? actual : actual ? types.get(actual) : undefined;
      if (type) scope.set(input.name, type);
    });
    const inferred = elemTypes(graph, new Map(), scope).get(output.name);
    if (inferred) return inferred;
  }
  return undefined;
}

/** The type `source` names, if known yet. */
function resolve(source: TypeSource, types: ReadonlyMap<string, number>): number | undefined {
  if (source === null) return undefined;
  if (typeof source === 'number') return source || undefined;
  if (!Array.isArray(source)) return resolveSubgraph(source, types);
  for (const name of source) {
    const type = types.get(name);
    if (type) return type;
  }
  return undefined;
}

/**
 * The element type (TensorProto.DataType) of every tensor that has one:
 * declared, or inferred forward through the nodes. Nodes are visited in
 * file order (topological in a valid model), and again when an input of
 * theirs gets a type later, so a file out of order costs no more than one
 * visit per node and input. `outer`: the enclosing graph's types, which a
 * subgraph may read.
 */
export function elemTypes(graph: GraphProto, initializers: ReadonlyMap<string, number>, outer: ReadonlyMap<string, number> = new Map()): Map<string, number> {
  const types = declaredTypes(graph, initializers, outer);
  const consumers = new Map<string, NodeProto[]>();
  for (const node of graph.node) {
    for (const name of node.input) {
      if (name === '') continue;
      const list = consumers.get(name);
      if (list) list.push(node);
      else consumers.set(name, [node]);
    }
  }
  const queue = [...graph.node];
  for (let next = 0; next < queue.length; next++) {
    const node = queue[next];
    node.output.forEach((name, out) => {
      if (name === '' || types.has(name)) return;
      const type = resolve(outputTypeSource(node, out), types);
      if (type === undefined) return;
      types.set(name, type);
      for (const consumer of consumers.get(name) ?? []) queue.push(consumer);
    });
  }
  return types;
}

const nodeLabel = (node: NodeProto) => `node ${node.name ? `"${node.name}" ` : ''}(${node.domain ? `${node.domain}:` : ''}${node.opType})`;

/** Why `tensor` has no type: follows the first untyped input back to the node or name where the trail ends. */
function explain(graph: GraphProto, tensor: string): string {
  const producer = new Map<string, NodeProto>();
  for (const n of graph.node) for (const o of n.output) producer.set(o, n);
  const seen = new Set<string>();
  for (let name = tensor; !seen.has(name); ) {
    seen.add(name);
    const node = producer.get(name);
    if (!node) return `tensor ${name} is declared nowhere (not a graph input, initializer or value_info) and no node produces it; an outer graph's value?`;
    const source = outputTypeSource(node, node.output.indexOf(name));
    if (source === null) return `${nodeLabel(node)} has no element-type rule for its output ${name}; declare the type in the graph's value_info`;
    if (typeof source === 'number' || (Array.isArray(source) && source.length === 0)) return `${nodeLabel(node)} fixes no type for its output ${name}`;
    if (!Array.isArray(source)) return `${nodeLabel(node)} gives its output ${name} the type of its subgraph's output ${source.output}, which is declared nowhere and cannot be inferred inside the subgraph`;
    name = source.find((s) => producer.has(s) && !seen.has(s)) ?? source[0];
    if (!producer.has(name)) return `${nodeLabel(node)} takes its output's type from ${name}, which is declared nowhere`;
  }
  return `tensor ${tensor} lies on a cycle of untyped nodes`;
}

/**
 * `tensor`'s TensorProto.DataType, or null when the graph has no tensor of
 * that name. `initializers` gives the initializers' types by name. Throws
 * ElemTypeError, naming the node where inference stops, when the tensor
 * exists but no declaration or operator rule reaches it.
 */
export function inferElemType(graph: GraphProto, initializers: ReadonlyMap<string, number>, tensor: string): number | null {
  const types = elemTypes(graph, initializers);
  const type = types.get(tensor);
  if (type) return type;
  if (!graph.node.some((n) => n.output.includes(tensor))) return null;
  throw new ElemTypeError(`the element type of ${tensor} cannot be inferred: ${explain(graph, tensor)}`);
}
