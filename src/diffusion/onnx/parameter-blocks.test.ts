import { describe, expect, it } from 'vitest';
import type { GraphProto } from './gen/onnx_pb';
import { splitModel } from './graph-bytes';
import { withoutModulePaths } from './graph-builders';
import { blockOf, findUnetHooks, listUnetHooks } from './hooks';
import { hookUnet, UnhookableGraphError } from './surgery';
import { referenceFeeds, session, singleFile, withExtraOutputs } from './toy-unet-fixture';

const producerIndex = (graph: GraphProto, tensor: string) => graph.node.findIndex((n) => n.output.includes(tensor));

describe('blocks from parameter names: the toy UNet with its node and tensor names stripped', () => {
  const scoped = splitModel(singleFile, 'toy UNet');
  const byNames = listUnetHooks(scoped.graph);
  const strippedBytes = withoutModulePaths(singleFile, { parameters: false });
  const stripped = splitModel(strippedBytes, 'stripped toy UNet');
  const found = findUnetHooks(stripped);

  it('has no module path left in any node or tensor name, but keeps the parameter names', () => {
    expect(stripped.graph.node.every((n) => blockOf(n) === null && n.output.every((o) => !o.includes('/')))).toBe(true);
    expect(listUnetHooks(stripped.graph)).toEqual([]);
    expect(byNames.length).toBe(30);
  });

  it("finds every block at the node the scoped names give: the same node index, op and order", () => {
    expect(found.map((h) => h.path)).toEqual(byNames.map((h) => h.path));
    const scopedAt = byNames.map((h) => producerIndex(scoped.graph, h.output));
    const strippedAt = found.map((h) => producerIndex(stripped.graph, h.output));
    expect(strippedAt).toEqual(scopedAt);
    expect(strippedAt.map((i) => stripped.graph.node[i].opType)).toEqual(scopedAt.map((i) => scoped.graph.node[i].opType));
  });

  it('reads back the same values at every block when both graphs run', async () => {
    const feeds = referenceFeeds();
    const want = await (await session(withExtraOutputs(singleFile, byNames.map((h) => h.output)))).run(feeds);
    const got = await (await session(withExtraOutputs(strippedBytes, found.map((h) => h.output)))).run(feeds);
    found.forEach((h, i) => expect(Array.from(got[h.output].data as Float32Array), h.path).toEqual(Array.from(want[byNames[i].output].data as Float32Array)));
  });

  it('prefers the node names when a graph has them', () => {
    expect(findUnetHooks(scoped)).toEqual(byNames);
  });
});

describe('a graph with neither module paths in its node names nor named parameters', () => {
  const bare = withoutModulePaths(singleFile, { parameters: true });

  it('is refused with what is missing and which block was asked for', () => {
    expect(findUnetHooks(splitModel(bare, 'bare UNet'))).toEqual([]);
    expect(() => hookUnet(bare, 'up_blocks.1.attentions.1', 'bare UNet')).toThrow(UnhookableGraphError);
    expect(() => hookUnet(bare, 'up_blocks.1.attentions.1', 'bare UNet')).toThrow(
      /^bare UNet: no UNet block can be found in it, so neither "up_blocks.1.attentions.1" nor any other can be hooked: its node names carry no UNet module paths such as \/up_blocks.1\/attentions.1\/Add \(e.g. "[A-Za-z]+_0"\), and none of its 450 parameters is named after a block like up_blocks.1.attentions.1.proj_out.weight \(e.g. "onnx::Param_0"\)/,
    );
  });

  it('still runs unhooked, computing what the named graph computes', async () => {
    const feeds = referenceFeeds();
    const want = await (await session(singleFile)).run(feeds);
    const got = await (await session(bare)).run(feeds);
    expect(Array.from(got.out_sample.data as Float32Array)).toEqual(Array.from(want.out_sample.data as Float32Array));
  });
});
