/**
 * DiffusionModel.preview on the embedded toy model (onnxruntime-web wasm):
 * its preview decoder (TAESD-style, models/toy/train_taesd.py) against the
 * VAE decode of fully denoised latents, the stored PyTorch reference through
 * the method, the fallback to the latent → RGB map, and the entry's contract
 * checked at load.
 */
import { cpSync, readFileSync, writeFileSync } from 'node:fs';
import { mkdtemp } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openReference } from '../../models/toy/reference-file';
import { testGpu } from '../gpu/test-gpu';
import { generate, type SamplerSettings } from './denoise';
import { loadDiffusionModel, type DiffusionModel } from './diffusion-model';
import { latentPreview } from './latent-preview';
import { configureWasm } from './ort-runtime';
import { openModelSource } from './sources/node';
import { planarToRgba, type RgbaImage } from './rgba-image';
import { decodeLatents } from './vae-image';

const toyDir = join(__dirname, '..', '..', 'public', 'models', 'toy');
const sampler: SamplerSettings = { scheduler: 'ddim', steps: 25, guidance: 5 };
/**
 * The bar for a preview of a fully denoised latent against its VAE decode.
 * train_taesd.py measured 33.8 dB on 250 held-out scene latents, 29.6 dB on
 * the worst of them; generated latents are the UNet's, not the encoder's, so
 * a little off that distribution (30.4–32.4 dB on the three below). 27 dB
 * leaves 2.6 dB under the worst held-out scene and is 10 dB over the linear
 * map's 16.8 on held-out scenes (15.7–19.5 on the three below), so a silent
 * fallback to the map fails. (That the latent goes in scaled is checked
 * exactly, against PyTorch, in the first test.)
 */
const PSNR_BAR = 27;

/** The stored latents [3, 4, 16, 16] and PyTorch previews [3, 3, 64, 64] (train_taesd.py). */
const reference = openReference('taesd-reference.json');
function ref(name: string, item: number): Float32Array {
  const { data, dims } = reference.read(name);
  const n = dims.slice(1).reduce((a, b) => a * b, 1);
  return Float32Array.from(data.subarray(item * n, (item + 1) * n));
}

/** PSNR of two RGBA images as RGB in [-1, 1] (peak-to-peak 2, the model card's convention); the smaller one nearest-upsampled. */
function psnr(a: RgbaImage, b: RgbaImage): number {
  const fa = b.width / a.width;
  let se = 0;
  for (let y = 0; y < b.height; y++) {
    for (let x = 0; x < b.width; x++) {
      const i = (Math.floor(y / fa) * a.width + Math.floor(x / fa)) * 4;
      const j = (y * b.width + x) * 4;
      for (let c = 0; c < 3; c++) se += ((a.data[i + c] - b.data[j + c]) / 127.5) ** 2;
    }
  }
  return 10 * Math.log10(4 / (se / (b.width * b.height * 3)));
}

/** The toy model from a copy of its folder whose manifest is edited. */
async function loadEdited(edit: (m: Record<string, any>) => void): Promise<DiffusionModel> {
  const dir = await mkdtemp(join(tmpdir(), 'toy-preview-'));
  cpSync(toyDir, dir, { recursive: true });
  const manifest = JSON.parse(readFileSync(join(dir, 'manifest.json'), 'utf8'));
  edit(manifest);
  writeFileSync(join(dir, 'manifest.json'), JSON.stringify(manifest));
  return loadDiffusionModel(await openModelSource(dir), { provider: 'wasm', hook: null, gpu: testGpu });
}

let model: DiffusionModel;
beforeAll(async () => {
  configureWasm(1);
  model = await loadDiffusionModel(await openModelSource(toyDir), { provider: 'wasm', hook: null, gpu: testGpu });
});
afterAll(() => model?.release());

describe('DiffusionModel.preview', () => {
  it('goes through the preview decoder when the manifest lists one: the stored PyTorch output, at image resolution', async () => {
    expect(model.previewDecoder).not.toBeNull();
    for (const item of [0, 1, 2]) {
      const image = (await model.preview(ref('latent_sample', item)))!;
      expect([image.width, image.height]).toEqual([64, 64]);
      const want = planarToRgba(ref('preview', item), 64, 64);
      let worst = 0;
      for (let i = 0; i < want.data.length; i++) worst = Math.max(worst, Math.abs(image.data[i] - want.data[i]));
      expect(worst).toBeLessThanOrEqual(1); // a rounding step at most
    }
  });

  it(`previews a fully denoised latent within ${PSNR_BAR} dB of its VAE decode (the linear map: far below)`, async () => {
    const prompts = ['a small red circle at the top left on a blue background', 'a large yellow triangle at the bottom right on a gray background', 'a large green cross in the centre on a white background'];
    const seen: string[] = [];
    for (const [i, prompt] of prompts.entries()) {
      const run = await generate(model, { ...sampler, prompt, seed: 40 + i });
      const taesd = psnr((await model.preview(run.latent))!, run.image);
      const linear = psnr(latentPreview(model.manifest.previewMatrix!, run.latent, 4, 16, 16), run.image);
      seen.push(`${taesd.toFixed(1)} dB (linear map ${linear.toFixed(1)})`);
      expect(taesd, seen.join('; ')).toBeGreaterThan(PSNR_BAR);
      expect(linear, seen.join('; ')).toBeLessThan(PSNR_BAR - 5);
    }
    // Held-out scene latents (VAE encodings of real scenes): the distribution the decoder was fitted on.
    for (const item of [0, 1]) {
      const latent = ref('latent_sample', item);
      expect(psnr((await model.preview(latent))!, await decodeLatents(model, latent))).toBeGreaterThan(PSNR_BAR);
    }
  });

  it('falls back to the manifest’s latent → RGB map when it lists no preview decoder, and gives null with neither', async () => {
    const plain = await loadEdited((m) => delete m.previewDecoder);
    expect(plain.previewDecoder).toBeNull();
    const latent = ref('latent_sample', 0);
    const image = (await plain.preview(latent))!;
    expect([image.width, image.height]).toEqual([16, 16]);
    expect(Array.from(image.data)).toEqual(Array.from(latentPreview(plain.manifest.previewMatrix!, latent, 4, 16, 16).data));
    await plain.release();
    const none = await loadEdited((m) => {
      delete m.previewDecoder;
      delete m.previewMatrix;
    });
    expect(await none.preview(latent)).toBeNull();
    await none.release();
  });

  it('honours latentScaling "unscaled" and outputRange [0, 1] (the VAE decoder listed as the preview decoder)', async () => {
    const latent = ref('latent_sample', 1);
    const vae = await decodeLatents(model, latent);
    const unscaled = await loadEdited((m) => (m.previewDecoder = { file: 'vae_decoder/model.onnx', input: 'latent_sample', output: 'sample', latentScaling: 'unscaled' }));
    expect(Array.from((await unscaled.preview(latent))!.data)).toEqual(Array.from(vae.data));
    await unscaled.release();
    // Read as [0, 1], the same output v shows as 2v − 1.
    const out = await model.vaeDecoder.run({ latent_sample: { data: latent.map((v) => v / model.manifest.latentScale), dims: [1, 4, 16, 16] } }, ['sample']);
    const raw = out.sample.data!;
    out.sample.dispose();
    const unit = await loadEdited((m) => (m.previewDecoder = { file: 'vae_decoder/model.onnx', input: 'latent_sample', output: 'sample', latentScaling: 'unscaled', outputRange: [0, 1] }));
    expect(Array.from((await unit.preview(latent))!.data)).toEqual(Array.from(planarToRgba(raw.map((v) => 2 * v - 1), 64, 64).data));
    await unit.release();
  });

  it('refuses at load a preview decoder whose graph lacks the named input or output, saying what it has', async () => {
    await expect(loadEdited((m) => (m.previewDecoder.input = 'latents'))).rejects.toThrow('preview decoder has no input "latents"; it has: latent_sample');
    await expect(loadEdited((m) => (m.previewDecoder.output = 'image'))).rejects.toThrow('preview decoder has no output "image"; it has: sample');
  });
});
