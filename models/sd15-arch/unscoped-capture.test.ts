/**
 * SD 1.5's architecture exported with torch ≤ 1.12's unscoped node names
 * (narrow/nmkd-unscoped: `Conv_12`, `onnx::Add_345`, as nmkd's export very
 * probably is) hooks at the blocks PyTorch means: the block is found from its
 * parameters' names and the graph's structure, the app's loader hooks the
 * fp16 graph (surgery, steering input, raw output) and ORT's wasm provider
 * runs it, and the raw output equals the block output PyTorch computes.
 *
 * Reference: narrow/reference/reference.json (export.py), fp32 PyTorch on the
 * stand-in's own modules, batch 2 (a prompt and the empty prompt) at timestep
 * 421: `out_sample` and `block/<path>`, forward-hook outputs of 8 blocks in
 * the same call. Six are hooked here (one load each: a resnet with a
 * conv_shortcut, one without and with its Div, transformer blocks in the down,
 * mid and up paths, the default hook); unscoped-hooks.test.ts checks that
 * every block's tensor is the one the scoped export names.
 *
 * Error measure: rel = max|a − b| / max|b|, b PyTorch. Bound 1e-2: the graph
 * is fp16 (weights, activations and IO; a unit roundoff of 2^-11 ≈ 4.9e-4 per
 * stored value) and runs ~50–100 layers deep to these blocks, each rounding
 * again, with fp16 LayerNorm and softmax. Measured: rel 5.8e-4 to 1.3e-3 (max
 * abs ≤ 3.4e-3) at the blocks, 1.9e-3 for out_sample; a neighbouring block of
 * the same shape misses by rel 1.2 and the other prompt's row by 0.65
 * (checked: the test can fail).
 */
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadDiffusionModel } from '../../src/diffusion/diffusion-model';
import { configureWasm } from '../../src/diffusion/ort-runtime';
import { openModelSource } from '../../src/diffusion/sources/node';
import { testGpu } from '../../src/gpu/test-gpu';
import { errors, openReference, type ReferenceIndex } from '../toy/reference-file';

const NARROW = join(__dirname, 'narrow');
const REL_TOL = 1e-2;
const reference = openReference<ReferenceIndex>('reference.json', join(NARROW, 'reference'));
const blocks = ['down_blocks.1.resnets.0', 'down_blocks.0.attentions.0', 'mid_block.attentions.0', 'mid_block.resnets.1', 'up_blocks.1.attentions.1', 'up_blocks.3.attentions.2'];

/** The raw block output and out_sample of one hooked run, batch-first f32. */
const captured = new Map<string, { raw: Float32Array; outSample: Float32Array }>();
const measured: { what: string; maxAbs: number; rel: number }[] = [];

beforeAll(() => {
  configureWasm(1);
});

afterAll(() => {
  if (measured.length) console.info(`unscoped fp16 capture vs PyTorch fp32 (rel = max|a-b|/max|b|):\n${measured.map((m) => `  ${m.what}: max abs ${m.maxAbs.toExponential(2)}, rel ${m.rel.toExponential(2)}`).join('\n')}`);
});

describe('the unscoped nmkd stand-in, hooked by the app and run on wasm, captures what PyTorch computes', () => {
  for (const block of blocks) {
    it(block, async () => {
      const model = await loadDiffusionModel(await openModelSource(join(NARROW, 'nmkd-unscoped')), { provider: 'wasm', hook: block, gpu: testGpu });
      try {
        const hook = model.hook!;
        const feed = (name: string) => {
          const t = reference.read(name);
          return { data: Float32Array.from(t.data), dims: t.dims };
        };
        const dims = reference.read(`block/${block}`).dims;
        expect([hook.channels, hook.height, hook.width]).toEqual(dims.slice(1));
        const out = await model.unet.run(
          { sample: feed('sample'), timestep: feed('timestep'), encoder_hidden_states: feed('encoder_hidden_states'), [hook.steerInput]: model.zeroSteer(dims) },
          ['out_sample', hook.rawOutput],
        );
        expect(out[hook.rawOutput].dims).toEqual(dims);
        captured.set(block, { raw: out[hook.rawOutput].data!, outSample: out.out_sample.data! });
        out[hook.rawOutput].dispose();
        out.out_sample.dispose();
      } finally {
        await model.release();
      }
      const got = captured.get(block)!;
      const e = errors(got.raw, reference.read(`block/${block}`).data);
      measured.push({ what: block, ...e });
      expect(e.rel, `${block}: max abs ${e.maxAbs}, rel ${e.rel}`).toBeLessThan(REL_TOL);
      // The hook changes nothing downstream: out_sample is PyTorch's too.
      const o = errors(got.outSample, reference.read('out_sample').data);
      measured.push({ what: `out_sample (hooked at ${block})`, ...o });
      expect(o.rel, `out_sample hooked at ${block}: rel ${o.rel}`).toBeLessThan(REL_TOL);
    });
  }

  it('tells blocks and rows apart: a same-shape sibling or the other prompt misses by far more than the bound', () => {
    const block = 'up_blocks.1.attentions.1';
    const sibling = 'up_blocks.1.attentions.0';
    const raw = captured.get(block)?.raw;
    expect(raw, `the ${block} capture ran`).toBeDefined();
    const wrongBlock = errors(raw!, reference.read(`block/${sibling}`).data);
    const half = raw!.length / 2;
    const want = reference.read(`block/${block}`).data;
    const swapped = Float32Array.from(want, (_, i) => want[(i + half) % want.length]);
    const wrongRow = errors(raw!, swapped);
    measured.push({ what: `${block} against ${sibling}'s reference`, ...wrongBlock }, { what: `${block} against its rows swapped`, ...wrongRow });
    expect(wrongBlock.rel).toBeGreaterThan(20 * REL_TOL);
    expect(wrongRow.rel).toBeGreaterThan(20 * REL_TOL);
  });
});
