/**
 * The activations the lab captures at a hooked UNet block equal the
 * block output PyTorch computes for the same inputs.
 *
 * The reference (models/toy/reference/block-reference.{json,bin}) holds
 * PyTorch forward-hook outputs of several blocks, batch 1, on reference.json's
 * `sample` and `last_hidden_state` at two timesteps; models/toy/export.py
 * writes it (`--block-reference-only`: the UNet rebuilt from the shipped
 * ONNX's weights by torch_from_onnx.py). Here each block goes through the
 * app's own path: loadDiffusionModel hooks the UNet (graph surgery, steering
 * input, raw block output), the wasm provider runs one call with zero
 * steering — batch 2, one timestep per row, as a CFG call lays out its
 * branches — and TrajectoryCapture copies each row into a slot of the [S, P, C]
 * trajectory, which is compared with PyTorch's [1, C, H, W].
 *
 * Error measure (as toy-model.test.ts): rel = max|a − b| / max|b|, b PyTorch.
 * Bound 1e-5: float32 rounding (2^-24 ≈ 6e-8 per operation) through at most
 * ~60 layers whose sums have ≤ 864 terms, in different kernels (oneDNN vs ORT's
 * MLAS) — measured: rel 3e-7 to 7e-7 (max abs ≤ 6e-6) for the block outputs,
 * 4e-7 to 5e-7 for out_sample — while a wrong block or timestep is off by
 * order 1 (checked below).
 */
import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { TrajectoryCapture } from '../../src/diffusion/capture';
import { loadDiffusionModel } from '../../src/diffusion/diffusion-model';
import { configureWasm } from '../../src/diffusion/ort-runtime';
import { openModelSource } from '../../src/diffusion/sources/node';
import { testGpu } from '../../src/gpu/test-gpu';
import { errors, openReference, type ReferenceIndex } from './reference-file';

const here = dirname(fileURLToPath(import.meta.url));
const root = join(here, '..', '..');
const modelDir = join(root, 'public', 'models', 'toy');
const REL_TOL = 1e-5;

interface BlockRefIndex extends ReferenceIndex {
  inputs: { file: string; sample: string; encoder_hidden_states: string };
  timesteps: number[];
  blocks: string[];
  unet: string;
  unetSha256: string;
}

const blockRef = openReference<BlockRefIndex>('block-reference.json');
const inputRef = openReference<ReferenceIndex>(blockRef.index.inputs.file);
const { timesteps, blocks } = blockRef.index;

/** Slot s of a captured [S, P, C] trajectory as [C, P] (PyTorch's [1, C, H, W] order). */
function slotAsCP(trajectory: Float32Array, s: number, P: number, C: number): Float32Array {
  const out = new Float32Array(C * P);
  for (let p = 0; p < P; p++) for (let c = 0; c < C; c++) out[c * P + p] = trajectory[(s * P + p) * C + c];
  return out;
}

/** Per block: the captured [C, P] map for each timestep, and the hooked model's out_sample rows. */
interface Captured {
  maps: Float32Array[];
  outSample: Float32Array[];
}
const captured = new Map<string, Captured>();
const measured: { block: string; t: number | string; maxAbs: number; rel: number }[] = [];

beforeAll(() => {
  configureWasm(1);
});

afterAll(() => {
  if (measured.length) console.info(`block capture vs PyTorch (rel = max|a-b|/max|b|):\n${measured.map((m) => `  t=${m.t} ${m.block}: max abs ${m.maxAbs.toExponential(2)}, rel ${m.rel.toExponential(2)}`).join('\n')}`);
});

describe('block reference (models/toy/reference/block-reference.json)', () => {
  it('was made from the shipped UNet graph, on the stored reference inputs, at two timesteps', () => {
    const sha = createHash('sha256').update(readFileSync(join(root, blockRef.index.unet))).digest('hex');
    expect(sha, `${blockRef.index.unet} changed since the block reference was written: re-run /usr/bin/python3 models/toy/export.py --block-reference-only`).toBe(blockRef.index.unetSha256);
    expect(timesteps[0]).toBe(inputRef.read('timestep').data[0]);
    expect(timesteps.length).toBe(2);
    expect(timesteps[1]).not.toBe(timesteps[0]);
    const manifest = JSON.parse(readFileSync(join(modelDir, 'manifest.json'), 'utf8')) as { hooks: { path: string; default?: boolean }[] };
    expect(blocks).toContain(manifest.hooks.find((h) => h.default)!.path);
    for (const kind of [/^down_blocks\.\d+\.attentions\./, /\.resnets\./, /^mid_block\./]) expect(blocks.some((b) => kind.test(b)), String(kind)).toBe(true);
  });
});

describe('the hooked UNet (wasm) captures what PyTorch computes at the block', () => {
  for (const block of blocks) {
    it(block, async () => {
      const model = await loadDiffusionModel(await openModelSource(modelDir), { provider: 'wasm', hook: block, gpu: testGpu });
      try {
        const hook = model.hook!;
        const [C, H, W] = [hook.channels, hook.height, hook.width];
        const P = H * W;
        expect([1, C, H, W]).toEqual(blockRef.read(`t${timesteps[0]}/${block}`).dims);
        // One UNet call as denoise.ts makes it: rows = timesteps, same sample and context in each.
        const B = timesteps.length;
        const sample = inputRef.read(blockRef.index.inputs.sample);
        const hidden = inputRef.read(blockRef.index.inputs.encoder_hidden_states);
        const rows = (data: Float32Array | Int32Array) => {
          const out = new Float32Array(B * data.length);
          for (let b = 0; b < B; b++) out.set(data, b * data.length);
          return out;
        };
        const outputs = await model.unet.run(
          {
            sample: { data: rows(sample.data), dims: [B, ...sample.dims.slice(1)] },
            timestep: { data: timesteps, dims: [B] },
            encoder_hidden_states: { data: rows(hidden.data), dims: [B, ...hidden.dims.slice(1)] },
            [hook.steerInput]: model.zeroSteer([B, C, H, W]),
          },
          ['out_sample', hook.rawOutput],
        );
        const raw = outputs[hook.rawOutput];
        expect(raw.dims).toEqual([B, C, H, W]);
        const capture = new TrajectoryCapture(model.gpu, B, P, C);
        try {
          for (let b = 0; b < B; b++) capture.record(b, b, raw.data!);
          const trajectory = await capture.read();
          const eps = outputs.out_sample.data!;
          const n = eps.length / B;
          captured.set(block, {
            maps: timesteps.map((_, s) => slotAsCP(trajectory, s, P, C)),
            outSample: timesteps.map((_, b) => eps.slice(b * n, (b + 1) * n)),
          });
        } finally {
          capture.destroy();
          raw.dispose();
          outputs.out_sample.dispose();
        }
      } finally {
        await model.release();
      }

      const got = captured.get(block)!;
      timesteps.forEach((t, s) => {
        const e = errors(got.maps[s], blockRef.read(`t${t}/${block}`).data);
        measured.push({ block, t, ...e });
        expect(e.rel, `t=${t} ${block}: max abs ${e.maxAbs}, rel ${e.rel}`).toBeLessThan(REL_TOL);
        // The hook does not change the model: out_sample is PyTorch's too.
        const o = errors(got.outSample[s], blockRef.read(`t${t}/out_sample`).data);
        measured.push({ block: `out_sample (hooked at ${block})`, t, ...o });
        expect(o.rel, `t=${t} out_sample hooked at ${block}: rel ${o.rel}`).toBeLessThan(REL_TOL);
      });
      // And at the stored timestep it is reference.json's out_sample (the training weights' PyTorch run).
      const o = errors(got.outSample[0], inputRef.read('out_sample').data);
      measured.push({ block: `reference.json out_sample (hooked at ${block})`, t: timesteps[0], ...o });
      expect(o.rel, `reference.json out_sample hooked at ${block}: rel ${o.rel}`).toBeLessThan(REL_TOL);
    });
  }

  it('tells blocks and timesteps apart: a swapped block or timestep misses by far more than the bound', () => {
    // Both timesteps' maps of the default hook, against each other's reference.
    const def = 'up_blocks.1.attentions.1';
    const sibling = 'up_blocks.1.attentions.0'; // same shape [48, 4, 4]
    const maps = captured.get(def)?.maps;
    expect(maps, `the ${def} capture ran`).toBeDefined();
    const wrongT = errors(maps![0], blockRef.read(`t${timesteps[1]}/${def}`).data);
    const wrongBlock = errors(maps![0], blockRef.read(`t${timesteps[0]}/${sibling}`).data);
    measured.push({ block: `${def} against t=${timesteps[1]}'s reference`, t: timesteps[0], ...wrongT });
    measured.push({ block: `${def} against ${sibling}'s reference`, t: timesteps[0], ...wrongBlock });
    expect(wrongT.rel).toBeGreaterThan(1000 * REL_TOL);
    expect(wrongBlock.rel).toBeGreaterThan(1000 * REL_TOL);
  });
});
