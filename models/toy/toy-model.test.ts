/**
 * The embedded toy model, loaded the way the app loads it: every ONNX
 * graph in public/models/toy/ through onnxruntime-web's wasm backend, checked
 * against the PyTorch outputs that models/toy/export.py stored on fixed inputs
 * (models/toy/reference/).
 *
 * Error measure: errors(a, b).rel = max_i |a_i - b_i| / max_i |b_i|, b the PyTorch
 * reference; the bound is 1e-4 (fp32 on both sides, different kernels).
 */
import { readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import * as ort from 'onnxruntime-web';
import { beforeAll, describe, expect, it } from 'vitest';
import { loadTokenizer } from '../../src/diffusion/tokenizer';
import { errors, openReference, type ReferenceIndex } from './reference-file';

const here = dirname(fileURLToPath(import.meta.url));
const root = join(here, '..', '..');
const modelDir = join(root, 'public', 'models', 'toy');
const TOL = 1e-4;

interface RefIndex extends ReferenceIndex {
  prompt: string;
}
interface Manifest {
  name: string;
  imageSize: number;
  latentChannels: number;
  vaeScaleFactor: number;
  latentScale: number;
  textEncoder: { file: string; contextLength: number; hiddenSize: number };
  unet: { file: string; timestepDtype: string };
  unetExternalData: { file: string; data: string };
  vaeDecoder: { file: string };
  vaeEncoder: { file: string };
  tokenizer: string;
  scheduler: string;
  sampler: { name: string; steps: number; guidanceScale: number };
  hooks: { path: string; channels: number; height: number; width: number; default?: boolean }[];
  probe: { file: string; attributes: Record<string, string[]> };
}

const manifest = JSON.parse(readFileSync(join(modelDir, 'manifest.json'), 'utf8')) as Manifest;
const { index: refIndex, read: ref } = openReference<RefIndex>('reference.json');

function f32(name: string): ort.Tensor {
  const r = ref(name);
  return new ort.Tensor('float32', Float32Array.from(r.data), r.dims);
}

function i64(name: string): ort.Tensor {
  const r = ref(name);
  return new ort.Tensor('int64', BigInt64Array.from(r.data, (v) => BigInt(v)), r.dims);
}

function expectClose(out: ort.Tensor, refName: string): void {
  const r = ref(refName);
  expect(out.dims).toEqual(r.dims);
  expect(out.type).toBe('float32');
  const err = errors(out.data as Float32Array, r.data).rel;
  expect(err, `${refName}: relative error ${err}`).toBeLessThan(TOL);
}

function session(file: string, options: ort.InferenceSession.SessionOptions = {}) {
  return ort.InferenceSession.create(readFileSync(join(modelDir, file)), {
    executionProviders: ['wasm'],
    ...options,
  });
}

beforeAll(() => {
  ort.env.wasm.numThreads = 1;
});

describe('toy model manifest', () => {
  it('describes an SD-1.5-shaped model with a default hook', () => {
    expect(manifest.imageSize).toBe(64);
    expect(manifest.latentChannels).toBe(4);
    expect(manifest.imageSize / manifest.vaeScaleFactor).toBe(16);
    expect(manifest.latentScale).toBeGreaterThan(0);
    expect(manifest.textEncoder.contextLength).toBe(77);
    expect(manifest.unet.timestepDtype).toBe('int64');
    const def = manifest.hooks.filter((h) => h.default);
    expect(def.map((h) => h.path)).toEqual(['up_blocks.1.attentions.1']);
    for (const p of ['down_blocks.0.attentions.0', 'mid_block.attentions.0', 'up_blocks.1.attentions.0', 'up_blocks.3.resnets.1']) {
      expect(manifest.hooks.some((h) => h.path === p), p).toBe(true);
    }
    expect(Object.keys(manifest.probe.attributes)).toEqual(['shape', 'color', 'position', 'size', 'background']);
    const sched = JSON.parse(readFileSync(join(modelDir, manifest.scheduler), 'utf8'));
    expect(sched).toMatchObject({ _class_name: 'DDIMScheduler', beta_schedule: 'scaled_linear', num_train_timesteps: 1000 });
  });

  it('tokenizer.json, through tokenizers.js, reproduces the reference input_ids', async () => {
    const tokenizer = await loadTokenizer(readFileSync(join(modelDir, manifest.tokenizer), 'utf8'), { contextLength: 77, padTokenId: 0 });
    expect(Array.from(tokenizer.encode(refIndex.prompt))).toEqual(Array.from(ref('input_ids').data));
  });

  it('UNet node names carry module paths (/up_blocks.1/attentions.1/...)', () => {
    const bytes = readFileSync(join(modelDir, manifest.unet.file)).toString('latin1');
    for (const h of manifest.hooks) {
      const scope = '/' + h.path.replace(/\.(?=[a-z_])/g, '/') + '/';
      expect(bytes.includes(scope), scope).toBe(true);
    }
  });
});

describe('toy model through onnxruntime-web (wasm) matches PyTorch', () => {
  it('text encoder: input_ids -> last_hidden_state', async () => {
    const s = await session(manifest.textEncoder.file);
    expect(s.inputNames).toEqual(['input_ids']);
    const out = await s.run({ input_ids: i64('input_ids') });
    expectClose(out.last_hidden_state, 'last_hidden_state');
    expect(out.last_hidden_state.dims).toEqual([1, 77, manifest.textEncoder.hiddenSize]);
  });

  const unetFeeds = () => ({
    sample: f32('sample'),
    timestep: i64('timestep'),
    encoder_hidden_states: f32('last_hidden_state'),
  });

  it('UNet (single file): one denoising step', async () => {
    const s = await session(manifest.unet.file);
    expect([...s.inputNames].sort()).toEqual(['encoder_hidden_states', 'sample', 'timestep']);
    const out = await s.run(unetFeeds());
    expectClose(out.out_sample, 'out_sample');
  });

  it('UNet (external data): same step', async () => {
    const data = readFileSync(join(modelDir, manifest.unetExternalData.data));
    const s = await session(manifest.unetExternalData.file, {
      externalData: [{ path: 'model.onnx_data', data }],
    });
    const out = await s.run(unetFeeds());
    expectClose(out.out_sample, 'out_sample');
  });

  it('VAE decoder: latent_sample -> sample', async () => {
    const s = await session(manifest.vaeDecoder.file);
    const out = await s.run({ latent_sample: f32('latent_sample') });
    expectClose(out.sample, 'decoded');
    expect(out.sample.dims).toEqual([1, 3, 64, 64]);
  });

  it('VAE encoder: sample -> latent_sample', async () => {
    const s = await session(manifest.vaeEncoder.file);
    const out = await s.run({ sample: f32('image') });
    expectClose(out.latent_sample, 'encoded');
  });

  it('probe: image -> one logits tensor per attribute', async () => {
    const s = await session(manifest.probe.file);
    const out = await s.run({ image: f32('image') });
    for (const [attr, labels] of Object.entries(manifest.probe.attributes)) {
      expect(out[attr].dims).toEqual([1, labels.length]);
      expectClose(out[attr], `probe_${attr}`);
    }
  });
});
