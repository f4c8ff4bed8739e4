/**
 * The hookable blocks of a UNet graph (DESIGN §3): diffusers module paths
 * such as `up_blocks.1.attentions.0` or `mid_block.resnets.1`, read from the
 * TorchScript exporter's node names (`/up_blocks.1/attentions.0/...`) or the
 * dynamo exporter's `pkg.torch.onnx.name_scopes` metadata.
 *
 * A block's output is the last tensor (in node order, which ONNX keeps
 * topological) that a node inside the block produces and something outside
 * the block consumes — another block's node or a graph output. For a
 * residual block that is its final Add.
 */
import type { GraphProto, NodeProto, ValueInfoProto } from './gen/onnx_pb';

export interface UnetHook {
  path: string;
  /** Name of the block's output tensor in the graph. */
  output: string;
  /** [C, H, W] when the graph's value_info gives it (numbers, or names of symbolic dims), else null. */
  shape: (number | string)[] | null;
  /** TensorProto.DataType of the output when value_info gives it (1 = float, 10 = float16). */
  elemType: number | null;
}

const BLOCK = /^(?:(?:down|up)_blocks\.\d+|mid_block)$/;
const PART = /^(?:resnets|attentions|upsamplers|downsamplers)\.\d+$/;

/** Scope names of a node: from dynamo's metadata when present, else from its TorchScript name. */
function scopes(node: NodeProto): string[] {
  const meta = node.metadataProps.find((p) => p.key === 'pkg.torch.onnx.name_scopes');
  if (meta) return [...meta.value.matchAll(/'([^']*)'|"([^"]*)"/g)].map((m) => m[1] ?? m[2]);
  return node.name.split('/').filter(Boolean);
}

/** The module path of the UNet block a node belongs to, or null. */
export function blockOf(node: NodeProto): string | null {
  const s = scopes(node).filter((x) => x !== '' && x !== 'unet');
  return s.length >= 2 && BLOCK.test(s[0]) && PART.test(s[1]) ? `${s[0]}.${s[1]}` : null;
}

function valueShape(info: ValueInfoProto | undefined): { shape: (number | string)[] | null; elemType: number | null } {
  const t = info?.type?.value;
  if (t?.case !== 'tensorType') return { shape: null, elemType: null };
  const dims = t.value.shape?.dim.map((d) => (d.value.case === 'dimValue' ? Number(d.value.value) : d.value.case === 'dimParam' ? d.value.value : '?'));
  return { shape: dims && dims.length === 4 ? dims.slice(1) : null, elemType: t.value.elemType || null };
}

export function listUnetHooks(graph: GraphProto): UnetHook[] {
  const blockOfNode = graph.node.map(blockOf);
  const producer = new Map<string, number>();
  graph.node.forEach((n, i) => n.output.forEach((o) => producer.set(o, i)));
  // For each tensor, whether some consumer lies outside the producer's block.
  const leaves = new Map<string, string>();
  const mark = (tensor: string, consumerBlock: string | null) => {
    const p = producer.get(tensor);
    if (p === undefined) return;
    const block = blockOfNode[p];
    if (block && block !== consumerBlock) {
      const previous = leaves.get(block);
      if (previous === undefined || producer.get(previous)! < p) leaves.set(block, tensor);
    }
  };
  graph.node.forEach((n, i) => n.input.forEach((t) => mark(t, blockOfNode[i])));
  graph.output.forEach((o) => mark(o.name, null));
  const infos = new Map([...graph.valueInfo, ...graph.output].map((v) => [v.name, v]));
  // Block order as the graph computes them.
  return [...leaves.entries()]
    .sort((a, b) => producer.get(a[1])! - producer.get(b[1])!)
    .map(([path, output]) => ({ path, output, ...valueShape(infos.get(output)) }));
}
