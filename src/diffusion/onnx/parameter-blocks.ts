/**
 * UNet blocks found from parameter names and graph structure, for exports
 * whose node names carry no module paths (torch ≤ 1.12 writes `Conv_12` and
 * `onnx::Add_345`; nmkd's SD 1.5 export is one). Parameters keep their module
 * paths as initializer names (`up_blocks.1.attentions.1.proj_out.weight`)
 * where the exporter did not fold them into anonymous constants, and that is
 * enough to place each block:
 *
 * 1. Its region: the nodes that read one of the block's parameters, plus
 *    every node on a path between two of them (descendants of one that are
 *    ancestors of another). Leading parameter-free ops (a GroupNorm whose
 *    affine was folded) fall outside it; what follows the last weighted op
 *    is taken in the next steps.
 * 2. Its provisional output: the region's last tensor, in node order (ONNX
 *    keeps it topological), that a node outside the region or a graph output
 *    reads: a sampler's conv, the last conv of a resnet or transformer block.
 * 3. The residual join: an Add reading that tensor and one from inside the
 *    region or from before it (the block's input, or its shortcut) ends a
 *    resnet or transformer block. A resnet's `/ output_scale_factor`, a Div
 *    by a constant that is the only reader of the sum, comes after it.
 * Checked against torch 1.13's scoped names on every block of SD 1.5's
 * architecture (models/sd15-arch) and on the toy UNet: the same tensors.
 */
import type { GraphProto } from './gen/onnx_pb';
import { hookPathOf } from './hook-path';

/** The producing node's index of each tensor, and the reading nodes' indices. */
interface Edges {
  producer: Map<string, number>;
  readers: Map<string, number[]>;
  graphOutputs: Set<string>;
}

function edges(graph: GraphProto): Edges {
  const producer = new Map<string, number>();
  const readers = new Map<string, number[]>();
  graph.node.forEach((n, i) => {
    n.output.forEach((o) => producer.set(o, i));
    for (const t of n.input) {
      if (!t) continue;
      const list = readers.get(t);
      if (list) list.push(i);
      else readers.set(t, [i]);
    }
  });
  return { producer, readers, graphOutputs: new Set(graph.output.map((o) => o.name)) };
}

/** Nodes reachable from `from` following edges one way, visiting only indices `within` allows. */
function reach(graph: GraphProto, e: Edges, from: Iterable<number>, direction: 'forward' | 'backward', within: (i: number) => boolean): Set<number> {
  const seen = new Set<number>();
  const work = [...from];
  while (work.length > 0) {
    const i = work.pop()!;
    if (seen.has(i)) continue;
    seen.add(i);
    const next = direction === 'forward' ? graph.node[i].output.flatMap((o) => e.readers.get(o) ?? []) : graph.node[i].input.map((t) => e.producer.get(t)).filter((p) => p !== undefined);
    for (const j of next) if (!seen.has(j) && within(j)) work.push(j);
  }
  return seen;
}

/** The block's output tensor, from the nodes that read its parameters; null when nothing in the region is read outside it. */
function blockOutput(graph: GraphProto, e: Edges, constants: Set<string>, seeds: number[]): string | null {
  const first = Math.min(...seeds);
  const last = Math.max(...seeds);
  const descendants = reach(graph, e, seeds, 'forward', (i) => i <= last);
  const ancestors = reach(graph, e, seeds, 'backward', () => true);
  const region = new Set([...descendants].filter((i) => ancestors.has(i) && i >= first));
  const readOutside = (t: string) => e.graphOutputs.has(t) || (e.readers.get(t) ?? []).some((r) => !region.has(r));
  let output: string | null = null;
  let outputProducer = -1;
  for (const i of region) {
    for (const o of graph.node[i].output) if (i > outputProducer && readOutside(o)) [output, outputProducer] = [o, i];
  }
  if (output === null) return null;
  // Inside the region or before it: the block's own values, its input and shortcut.
  const ownOrEarlier = (t: string) => {
    const p = e.producer.get(t);
    return p === undefined ? !constants.has(t) : ancestors.has(p) || region.has(p);
  };
  const residual = (e.readers.get(output) ?? [])
    .map((r) => graph.node[r])
    .find((n) => n.opType === 'Add' && n.input.length === 2 && n.input.some((t) => t !== output && ownOrEarlier(t)));
  if (!residual) return output;
  const sum = residual.output[0];
  const sumReaders = e.readers.get(sum) ?? [];
  const rescale = sumReaders.length === 1 && !e.graphOutputs.has(sum) ? graph.node[sumReaders[0]] : null;
  if (rescale?.opType === 'Div' && rescale.input[0] === sum && isConstant(rescale.input[1], graph, e, constants)) return rescale.output[0];
  return sum;
}

function isConstant(tensor: string, graph: GraphProto, e: Edges, constants: Set<string>): boolean {
  if (constants.has(tensor)) return true;
  const p = e.producer.get(tensor);
  return p !== undefined && graph.node[p].opType === 'Constant';
}

/**
 * Each block's output tensor, by block path, found from `parameterNames` (the
 * graph's initializer names; splitModel leaves the initializers out of the
 * decoded graph). Blocks none of whose parameters is named are absent.
 */
export function blocksFromParameters(graph: GraphProto, parameterNames: Iterable<string>): Map<string, string> {
  const names = new Set(parameterNames);
  const blockOfParameter = new Map<string, string>();
  for (const name of names) {
    const block = hookPathOf(name);
    if (block) blockOfParameter.set(name, block);
  }
  const e = edges(graph);
  const seeds = new Map<string, number[]>();
  graph.node.forEach((n, i) => {
    const blocks = new Set(n.input.map((t) => blockOfParameter.get(t)).filter((b) => b !== undefined));
    for (const b of blocks) seeds.set(b, [...(seeds.get(b) ?? []), i]);
  });
  const outputs = new Map<string, string>();
  for (const [block, nodes] of seeds) {
    const output = blockOutput(graph, e, names, nodes);
    if (output !== null) outputs.set(block, output);
  }
  return outputs;
}
