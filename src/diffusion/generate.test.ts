/**
 * The runtime end to end on the embedded toy model, in Node (onnxruntime-web
 * wasm, our kernels on Dawn): repeatable images, the probe reading a held-out
 * prompt's attributes off its image, capture equal to the graph's block
 * output, zero steering changing nothing, masked steering changing the
 * masked half more, and a resumed collection equal to an uninterrupted one.
 */
import { cpSync, readFileSync, writeFileSync } from 'node:fs';
import { mkdtemp } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { diskProgressStore, openDiskFile } from '../cli/disk-file';
import { openModelSource } from './sources/node';
import { collectTrajectories, evenlySpreadCalls } from '../flows/collect-trajectories';
import { testGpu } from '../gpu/test-gpu';
import { readAttributes } from './attribute-probe';
import { withFp16Io } from './onnx/fp16-io-fixture';
import { generate, type SamplerSettings } from './denoise';
import { loadDiffusionModel, type DiffusionModel } from './diffusion-model';
import { configureWasm, ModelSession } from './ort-runtime';

const toyDir = join(__dirname, '..', '..', 'public', 'models', 'toy');
const HOOK = 'up_blocks.1.attentions.1';
const sampler: SamplerSettings = { scheduler: 'ddim', steps: 25, guidance: 5 };
let model: DiffusionModel;

beforeAll(async () => {
  configureWasm(1);
  model = await loadDiffusionModel(await openModelSource(toyDir), { provider: 'wasm', hook: HOOK, gpu: testGpu });
});

function meanAbsDiff(a: Uint8ClampedArray, b: Uint8ClampedArray, include: (pixel: number) => boolean = () => true): number {
  let sum = 0;
  let count = 0;
  for (let p = 0; p < a.length / 4; p++) {
    if (!include(p)) continue;
    for (let c = 0; c < 3; c++) sum += Math.abs(a[p * 4 + c] - b[p * 4 + c]);
    count += 3;
  }
  return sum / count;
}

describe('generation on the toy model', () => {
  it('gives the same image for the same prompt and seed, another for another seed', async () => {
    const prompt = 'a large yellow triangle at the bottom right on a gray background';
    const a = await generate(model, { ...sampler, prompt, seed: 11 });
    const b = await generate(model, { ...sampler, prompt, seed: 11 });
    const c = await generate(model, { ...sampler, prompt, seed: 12 });
    expect(a.image.width).toBe(64);
    expect(Array.from(a.image.data)).toEqual(Array.from(b.image.data));
    expect(meanAbsDiff(a.image.data, c.image.data)).toBeGreaterThan(0);
  });

  it("draws a held-out prompt so that the toy's probe reads back its colour, position, size and background", async () => {
    // A combination from the model card's held-out set: never shown to the UNet in training.
    const probe = await ModelSession.create('probe', new Uint8Array(readFileSync(join(toyDir, 'probe', 'model.onnx'))), { provider: 'wasm' });
    const result = await generate(model, { ...sampler, prompt: 'a small purple circle at the top right on a white background', seed: 5 });
    const read = await readAttributes(probe, model.manifest, result.image);
    expect({ color: read.color.value, position: read.position.value, size: read.size.value, background: read.background.value }).toEqual({ color: 'purple', position: 'top right', size: 'small', background: 'white' });
    await probe.release();
  });

  it('captures the conditional branch of the hooked block at the recorded calls', async () => {
    const calls = evenlySpreadCalls(25, 5);
    expect(calls).toEqual([0, 6, 12, 18, 24]);
    const r = await generate(model, { ...sampler, prompt: 'a red square on a black background', seed: 2, recordCalls: calls });
    const [C, P] = [model.hook!.channels, model.hook!.height * model.hook!.width];
    expect(r.trajectory!.length).toBe(5 * P * C);
    expect(r.trajectory!.every(Number.isFinite)).toBe(true);
    // Recording does not change the image.
    const plain = await generate(model, { ...sampler, prompt: 'a red square on a black background', seed: 2 });
    expect(Array.from(r.image.data)).toEqual(Array.from(plain.image.data));
  });

  it('zero steering leaves the image unchanged; steering inside a mask changes the image more there; a re-run from a checkpoint equals a full run', async () => {
    // The finest hook (16×16 at 64 px), so the left half of the grid is the left half of the image.
    const fine = await loadDiffusionModel(await openModelSource(toyDir), { provider: 'wasm', hook: 'up_blocks.3.attentions.1', gpu: testGpu });
    const [C, H, W] = [fine.hook!.channels, fine.hook!.height, fine.hook!.width];
    const P = H * W;
    const recordedCalls = [0, 6, 12, 18, 24];
    const prompt = 'a large blue square in the centre on a gray background';
    const base = await generate(fine, { ...sampler, prompt, seed: 3, recordCalls: recordedCalls, keepCheckpoints: true });
    // A concept direction: the mean activation difference between a red and this blue square, per recorded step.
    const red = await generate(fine, { ...sampler, prompt: prompt.replace('blue', 'red'), seed: 3, recordCalls: recordedCalls });
    const direction = new Float32Array(5 * C);
    for (let s = 0; s < 5; s++) for (let p = 0; p < P; p++) for (let c = 0; c < C; c++) direction[s * C + c] += (red.trajectory![(s * P + p) * C + c] - base.trajectory![(s * P + p) * C + c]) / P;
    const left = Float32Array.from({ length: P }, (_, p) => (p % W < W / 2 ? 1 : 0));
    const plan = (alpha: number, window: readonly [number, number] = [0, 25]) => ({
      latents: [{ latent: 0, trajectory: direction, alpha, scale: 1 }],
      recordedCalls,
      window,
      mask: left,
      conditionalOnly: false,
    });
    const zero = await generate(fine, { ...sampler, prompt, seed: 3, steering: plan(0) });
    expect(Array.from(zero.image.data)).toEqual(Array.from(base.image.data));
    const steered = await generate(fine, { ...sampler, prompt, seed: 3, steering: plan(4) });
    const inside = meanAbsDiff(steered.image.data, base.image.data, (p) => p % 64 < 32);
    const outside = meanAbsDiff(steered.image.data, base.image.data, (p) => p % 64 >= 32);
    expect(inside).toBeGreaterThan(3);
    expect(inside).toBeGreaterThan(1.5 * outside);
    // Steering only calls 12..24: starting from the unsteered run's checkpoint before call 12 gives the full run's image.
    const full = await generate(fine, { ...sampler, prompt, seed: 3, steering: plan(4, [12, 25]) });
    const resumed = await generate(fine, { ...sampler, prompt, seed: 3, steering: plan(4, [12, 25]), from: base.checkpoints[12] });
    expect(resumed.callsRun).toBe(13);
    expect(Array.from(resumed.image.data)).toEqual(Array.from(full.image.data));
    await fine.release();
  });
});

describe('model layouts', () => {
  it('the external-data UNet layout (weights beside a small graph, as SD 1.5 exports ship) gives the same image', async () => {
    // A copy of the toy folder whose manifest points at the external-data layout.
    const dir = await mkdtemp(join(tmpdir(), 'toy-external-'));
    cpSync(toyDir, dir, { recursive: true });
    const manifest = JSON.parse(readFileSync(join(dir, 'manifest.json'), 'utf8'));
    manifest.unet = { ...manifest.unet, file: manifest.unetExternalData.file, externalData: { file: manifest.unetExternalData.data, location: 'model.onnx_data' } };
    writeFileSync(join(dir, 'manifest.json'), JSON.stringify(manifest));
    const external = await loadDiffusionModel(await openModelSource(dir), { provider: 'wasm', hook: HOOK, gpu: testGpu });
    const prompt = 'a large orange cross at the left on a black background';
    const a = await generate(external, { ...sampler, prompt, seed: 8, recordCalls: [0, 24] });
    const b = await generate(model, { ...sampler, prompt, seed: 8, recordCalls: [0, 24] });
    expect(Array.from(a.image.data)).toEqual(Array.from(b.image.data));
    expect(Array.from(a.trajectory!)).toEqual(Array.from(b.trajectory!));
    await external.release();
  });
});

describe('fp16 IO', () => {
  it('a UNet and VAE with float16 inputs, outputs and timestep (the nmkd SD 1.5 export\'s IO) give the fp32 image within fp16 rounding', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'toy-fp16-io-'));
    cpSync(toyDir, dir, { recursive: true });
    const unet = new Uint8Array(readFileSync(join(dir, 'unet', 'model.onnx')));
    writeFileSync(join(dir, 'unet', 'model.onnx'), withFp16Io(unet, ['sample', 'timestep', 'encoder_hidden_states'], ['out_sample']));
    const vae = new Uint8Array(readFileSync(join(dir, 'vae_decoder', 'model.onnx')));
    writeFileSync(join(dir, 'vae_decoder', 'model.onnx'), withFp16Io(vae, ['latent_sample'], ['sample']));
    const manifest = JSON.parse(readFileSync(join(dir, 'manifest.json'), 'utf8'));
    delete manifest.files;
    writeFileSync(join(dir, 'manifest.json'), JSON.stringify(manifest));
    const half = await loadDiffusionModel(await openModelSource(dir), { provider: 'wasm', hook: HOOK, gpu: testGpu });
    expect(half.unet.input('timestep').type).toBe('float16');
    expect(half.unet.input('sample').type).toBe('float16');
    const prompt = 'a small green triangle at the bottom on a blue background';
    const a = await generate(half, { ...sampler, prompt, seed: 9, recordCalls: [24] });
    const b = await generate(model, { ...sampler, prompt, seed: 9, recordCalls: [24] });
    expect(meanAbsDiff(a.image.data, b.image.data)).toBeLessThan(2);
    expect(a.trajectory!.every(Number.isFinite)).toBe(true);
    await half.release();
  });
});

describe('collection', () => {
  it('resumes after a cancel without redoing images, ending with the file an uninterrupted run writes', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'collect-'));
    const prompts = ['a red circle on a black background', 'a green square at the top', 'a blue cross on the left'].map((prompt, i) => ({ prompt, seed: 40 + i }));
    const options = { prompts, sampler: { ...sampler, steps: 10 }, recordCalls: [0, 4, 9], dtype: 'F16' as const };
    const whole = join(dir, 'whole.safetensors');
    expect((await collectTrajectories(model, await openDiskFile(whole), diskProgressStore(`${whole}.progress.json`), { ...options, resume: false })).complete).toBe(true);

    const part = join(dir, 'part.safetensors');
    const controller = new AbortController();
    const first = await collectTrajectories(model, await openDiskFile(part), diskProgressStore(`${part}.progress.json`), {
      ...options,
      resume: false,
      signal: controller.signal,
      onImage: () => controller.abort(),
    });
    expect(first).toMatchObject({ complete: false, generated: 1 });
    const generatedIndices: number[] = [];
    const second = await collectTrajectories(model, await openDiskFile(part), diskProgressStore(`${part}.progress.json`), {
      ...options,
      resume: true,
      onImage: (p) => void generatedIndices.push(p.index),
    });
    expect(second).toMatchObject({ complete: true, generated: 2 });
    expect(generatedIndices).toEqual([1, 2]);
    expect(readFileSync(part).equals(readFileSync(whole))).toBe(true);
  });
});
