/**
 * The hookable blocks of a UNet graph: diffusers module paths
 * such as `up_blocks.1.attentions.0` or `mid_block.resnets.1`, read from
 *  - the TorchScript exporter's node names, `/up_blocks.1/attentions.0/...`;
 *  - the dynamo exporter's `pkg.torch.onnx.name_scopes` node metadata, the
 *    repr() of a Python list of cumulative module paths, root first and the
 *    node's own name last: `['', 'up_blocks.1', 'up_blocks.1.attentions.0',
 *    'up_blocks.1.attentions.0.proj_out', 'linear_12']`;
 *  - when no node name carries a module path (torch ≤ 1.12's `Conv_12`), the
 *    parameters' names and the graph's structure (parameter-blocks.ts).
 * A wrapper module in front (`unet.up_blocks.1...`) is allowed.
 *
 * From node names, a block's output is the output of the last node (in node
 * order, which ONNX keeps topological) that lies inside the block and has a
 * consumer outside it: a node of another block or of none, or a graph output.
 * For a resnet or transformer block that is its final residual Add (or the
 * resnet's Div by output_scale_factor); for a sampler its conv.
 */
import type { GraphProto, NodeProto, ValueInfoProto } from './gen/onnx_pb';
import { initializerTypes, type SplitModel } from './graph-bytes';
import { hookPathOf } from './hook-path';
import { blocksFromParameters } from './parameter-blocks';

export interface UnetHook {
  path: string;
  /** Name of the block's output tensor in the graph. */
  output: string;
  /** Dims after the batch dim ([C, H, W]) when value_info gives them (numbers, or names of symbolic dims), else null. */
  shape: (number | string)[] | null;
  /** The batch dim from value_info (a number or a symbol), else null. */
  batch: number | string | null;
  /** TensorProto.DataType of the output when value_info gives it (1 = float, 10 = float16), else null. */
  elemType: number | null;
}

const NAME_SCOPES = 'pkg.torch.onnx.name_scopes';

/** Dotted module paths a node lies in: dynamo's scopes when present, else its TorchScript name as one dotted path. */
function modulePaths(node: NodeProto): string[] {
  const meta = node.metadataProps.find((p) => p.key === NAME_SCOPES);
  if (meta) return [...meta.value.matchAll(/'([^']*)'|"([^"]*)"/g)].map((m) => m[1] ?? m[2]);
  return [node.name.split('/').filter(Boolean).join('.')];
}

/** The module path of the UNet block a node belongs to, or null. */
export function blockOf(node: NodeProto): string | null {
  for (const path of modulePaths(node)) {
    const block = hookPathOf(path);
    if (block) return block;
  }
  return null;
}

function declaredType(info: ValueInfoProto | undefined): Pick<UnetHook, 'shape' | 'batch' | 'elemType'> {
  const t = info?.type?.value;
  if (t?.case !== 'tensorType') return { shape: null, batch: null, elemType: null };
  const dims = t.value.shape?.dim.map((d) => (d.value.case === 'dimValue' ? Number(d.value.value) : d.value.case === 'dimParam' ? d.value.value : null));
  const complete = dims && dims.length > 1 && dims.every((d) => d !== null) ? (dims as (number | string)[]) : null;
  return { shape: complete ? complete.slice(1) : null, batch: complete ? complete[0] : null, elemType: t.value.elemType || null };
}

/** Each block's output tensor, by block path, from node names or dynamo's scopes. */
function blocksFromNodeNames(graph: GraphProto, producer: Map<string, number>): Map<string, string> {
  const blockOfNode = graph.node.map(blockOf);
  // Per block, its latest-produced tensor that something outside the block reads.
  const outputOf = new Map<string, string>();
  const read = (tensor: string, readerBlock: string | null) => {
    const p = producer.get(tensor);
    if (p === undefined) return;
    const block = blockOfNode[p];
    if (block === null || block === readerBlock) return;
    const previous = outputOf.get(block);
    if (previous === undefined || producer.get(previous)! < p) outputOf.set(block, tensor);
  };
  graph.node.forEach((n, i) => n.input.forEach((t) => read(t, blockOfNode[i])));
  graph.output.forEach((o) => read(o.name, null));
  return outputOf;
}

/**
 * The graph's hookable blocks in the order the graph computes them.
 * `parameterNames`: the graph's initializer names (splitModel decodes the
 * graph without them), used when no node name carries a module path.
 */
export function listUnetHooks(graph: GraphProto, parameterNames: Iterable<string> = []): UnetHook[] {
  const producer = new Map<string, number>();
  graph.node.forEach((n, i) => n.output.forEach((o) => producer.set(o, i)));
  const byNames = blocksFromNodeNames(graph, producer);
  const outputOf = byNames.size > 0 ? byNames : blocksFromParameters(graph, parameterNames);
  const infos = new Map([...graph.valueInfo, ...graph.output].map((v) => [v.name, v]));
  return [...outputOf.entries()]
    .sort((a, b) => producer.get(a[1])! - producer.get(b[1])!)
    .map(([path, output]) => ({ path, output, ...declaredType(infos.get(output)) }));
}

/** The hookable blocks of a split model, its initializer names included. */
export function findUnetHooks(model: SplitModel): UnetHook[] {
  return listUnetHooks(model.graph, initializerTypes(model).keys());
}

/** Why a split model has no hookable block, for a refusal that names the problem. */
export function whyNoHooks(model: SplitModel): string {
  const example = (names: string[]) => (names.length > 0 ? ` (e.g. "${names[0]}")` : '');
  const nodeNames = model.graph.node.map((n) => n.name).filter(Boolean);
  const parameters = [...initializerTypes(model).keys()];
  const named = parameters.filter((p) => hookPathOf(p) !== null);
  const nodes = `its node names carry no UNet module paths such as /up_blocks.1/attentions.1/Add${example(nodeNames)}`;
  if (named.length > 0) return `${nodes}, and the ${named.length} parameters named after blocks${example(named)} lead to no block output the rest of the graph reads`;
  const params = parameters.length === 0 ? 'it has no parameters in the graph' : `none of its ${parameters.length} parameters is named after a block like up_blocks.1.attentions.1.proj_out.weight${example(parameters)}`;
  return `${nodes}, and ${params}, so no block's output can be told apart`;
}
