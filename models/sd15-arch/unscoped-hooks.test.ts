/**
 * Finding SD 1.5's blocks without module paths in the node names. The narrow
 * stand-in is exported twice from the same trace, with torch 1.13's scoped
 * names (narrow/nmkd: `/up_blocks.1/attentions.1/Add`) and with torch ≤ 1.12's
 * unscoped ones (narrow/nmkd-unscoped: `Add_345`), so the two graphs have the
 * same nodes in the same order and the scoped names say which tensor each
 * block's output is. The unscoped graph's blocks, found from parameter names
 * and structure, must be those tensors, for every block.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { beforeAll, describe, expect, it, vi } from 'vitest';
import { withFloat32LayerNorms } from '../../src/diffusion/onnx/fp32-layer-norm';
import type { GraphProto } from '../../src/diffusion/onnx/gen/onnx_pb';
import { initializerTypes, splitModel } from '../../src/diffusion/onnx/graph-bytes';
import { withoutModulePaths } from '../../src/diffusion/onnx/graph-builders';
import { findUnetHooks, listUnetHooks } from '../../src/diffusion/onnx/hooks';
import { hookUnet, UnhookableGraphError } from '../../src/diffusion/onnx/surgery';
import { loadDiffusionModel, loadUnet } from '../../src/diffusion/diffusion-model';
import { configureWasm, ModelSession } from '../../src/diffusion/ort-runtime';
import type { ModelFiles } from '../../src/diffusion/sources/model-files';
import { openModelSource } from '../../src/diffusion/sources/node';
import { testGpu } from '../../src/gpu/test-gpu';
import { errors, openReference, type ReferenceIndex } from '../toy/reference-file';

const NARROW = join(__dirname, 'narrow');
const read = (path: string) => new Uint8Array(readFileSync(join(NARROW, path)));
const scoped = splitModel(read('nmkd/unet/model.onnx'), 'scoped stand-in UNet');
const unscopedBytes = read('nmkd-unscoped/unet/model.onnx');
const unscoped = splitModel(unscopedBytes, 'unscoped stand-in UNet');
const catalogue = (JSON.parse(readFileSync(join(NARROW, 'nmkd-unscoped', 'manifest.json'), 'utf8')) as { hooks: { path: string }[] }).hooks.map((h) => h.path);
const producerIndex = (graph: GraphProto, tensor: string) => graph.node.findIndex((n) => n.output.includes(tensor));

describe('the unscoped nmkd stand-in: blocks from parameter names agree with the scoped export', () => {
  const byNames = listUnetHooks(scoped.graph);
  const byParameters = findUnetHooks(unscoped);

  it('is the same graph as the scoped one but for names, with no module path in its node names', () => {
    expect(unscoped.graph.node.map((n) => n.opType)).toEqual(scoped.graph.node.map((n) => n.opType));
    expect([...initializerTypes(unscoped).keys()].sort()).toEqual([...initializerTypes(scoped).keys()].sort());
    expect(listUnetHooks(unscoped.graph)).toEqual([]);
  });

  it("finds all 44 blocks (the manifest's 38 plus 6 samplers), each at the node the scoped names give", () => {
    expect(byNames.length).toBe(44);
    expect(byParameters.map((h) => h.path)).toEqual(byNames.map((h) => h.path));
    expect(catalogue.filter((p) => !byParameters.some((h) => h.path === p))).toEqual([]);
    const at = byParameters.map((h) => producerIndex(unscoped.graph, h.output));
    expect(at).toEqual(byNames.map((h) => producerIndex(scoped.graph, h.output)));
    // Resnets end in the Div by output_scale_factor, transformer blocks in the residual Add, samplers in their conv.
    const ends = new Map(byParameters.map((h, i) => [h.path, unscoped.graph.node[at[i]].opType]));
    for (const [path, op] of ends) expect(op, path).toBe(/resnets/.test(path) ? 'Div' : /attentions/.test(path) ? 'Add' : 'Conv');
  });
});

describe('the stand-in with its parameters anonymous too (neither scoped names nor named parameters)', () => {
  const bare = withoutModulePaths(unscopedBytes, { parameters: true });

  beforeAll(() => configureWasm(1));

  it('is refused, naming the block asked for and what the graph lacks', () => {
    expect(() => hookUnet(bare, 'up_blocks.1.attentions.1', 'stand-in UNet')).toThrow(UnhookableGraphError);
    expect(() => hookUnet(bare, 'up_blocks.1.attentions.1', 'stand-in UNet')).toThrow(
      /neither "up_blocks.1.attentions.1" nor any other can be hooked: its node names carry no UNet module paths .*, and none of its 686 parameters is named after a block/,
    );
  });

  it('hooked through the app\'s loader (the unscoped graph, found from parameter names), its 48 fp16 LayerNorms reach ORT in fp32 too', async () => {
    const files = await openModelSource(join(NARROW, 'nmkd-unscoped'));
    const create = vi.spyOn(ModelSession, 'create');
    const { unet, hook } = await loadUnet(files, { provider: 'wasm', hook: 'up_blocks.1.attentions.1' });
    try {
      expect(hook?.path).toBe('up_blocks.1.attentions.1');
      expect(withFloat32LayerNorms(unscopedBytes).changed).toBe(48);
      expect(withFloat32LayerNorms(create.mock.calls.find(([label]) => label === 'UNet')![1]).changed).toBe(0);
    } finally {
      create.mockRestore();
      await unet.release();
    }
  });

  it('loads unhooked through the app\'s loader, saying why, and still generates: out_sample equals PyTorch at the fp16 bound', async () => {
    const reference = openReference<ReferenceIndex>('reference.json', join(NARROW, 'reference'));
    const files = await openModelSource(join(NARROW, 'nmkd-unscoped'));
    const bareFiles: ModelFiles = { ...files, read: async (path, options) => (path === files.manifest.unet.file ? bare : files.read(path, options)) };
    const create = vi.spyOn(ModelSession, 'create');
    const model = await loadDiffusionModel(bareFiles, { provider: 'wasm', hook: 'up_blocks.1.attentions.1', gpu: testGpu });
    try {
      // Unhooked, its fp16 LayerNorms (48 in the UNet, 2 per layer and a final one in the text encoder) still run in fp32.
      const loaded = new Map(create.mock.calls.map(([label, bytes]) => [label, bytes]));
      expect(withFloat32LayerNorms(bare).changed).toBe(48);
      expect(withFloat32LayerNorms(loaded.get('UNet')!).changed).toBe(0);
      expect(withFloat32LayerNorms(read('nmkd-unscoped/text_encoder/model.onnx')).changed).toBeGreaterThan(0);
      expect(withFloat32LayerNorms(loaded.get('text encoder')!).changed).toBe(0);
      expect(model.hook).toBeNull();
      expect(model.hookRefusal).toMatch(/^sd15-standin-narrow-nmkd-unscoped UNet: no UNet block can be found in it, so neither "up_blocks.1.attentions.1" nor any other can be hooked: /);
      const feed = (name: string) => ({ data: Float32Array.from(reference.read(name).data), dims: reference.read(name).dims });
      const out = await model.unet.run({ sample: feed('sample'), timestep: feed('timestep'), encoder_hidden_states: feed('encoder_hidden_states') }, ['out_sample']);
      // 1e-2 as in unscoped-capture.test.ts (fp16 graph against fp32 PyTorch; measured 1.7e-3).
      expect(errors(out.out_sample.data!, reference.read('out_sample').data).rel).toBeLessThan(1e-2);
      out.out_sample.dispose();
    } finally {
      create.mockRestore();
      await model.release();
    }
  });
});
