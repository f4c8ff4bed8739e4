/**
 * `npm run bench:runtime`: what the runtime's two promises cost, on the
 * embedded toy model in Node (onnxruntime-web wasm, our kernels on Dawn),
 * each against its peer measured in the same run, runs interleaved:
 *   capture      generation hooked + recording 5 steps  vs  the plain UNet   (goal ≤ 1.05)
 *   steer-rerun  steered re-run from the cached call     vs  full regeneration (goal ≈ calls re-run / all)
 * One JSON line per case.
 */
import { join } from 'node:path';
import { generate, type GenerateResult, type SamplerSettings } from '../../src/diffusion/denoise';
import { loadDiffusionModel } from '../../src/diffusion/diffusion-model';
import { configureWasm } from '../../src/diffusion/ort-runtime';
import { openModelSource } from '../../src/diffusion/sources/node';
import { evenlySpreadCalls } from '../../src/flows/collect-trajectories';
import { nodeGpu } from '../../src/gpu/node-gpu';
import { wallTimes, type TimedRun } from '../shared/measure';

const args = process.argv.slice(2);
const runs = Number(args[args.indexOf('--runs') + 1] ?? 3) || 3;
const toy = join(import.meta.dirname, '..', '..', 'public', 'models', 'toy');
const sampler: SamplerSettings = { scheduler: 'ddim', steps: 25, guidance: 5 };
const prompts = ['a small red circle at the top left on a blue background', 'a large green square in the centre on a black background'];

configureWasm(1);
const gpu = await nodeGpu();
const files = await openModelSource(toy);
const plain = await loadDiffusionModel(files, { provider: 'wasm', hook: null, gpu: async () => gpu });
const hooked = await loadDiffusionModel(files, { provider: 'wasm', hook: 'up_blocks.1.attentions.1', gpu: async () => gpu });
const record = evenlySpreadCalls(25, 5);

// One run = every prompt once, so both sides see the same prompts.
const each = (fn: (prompt: string, seed: number) => Promise<unknown>): TimedRun => ({
  run: async () => {
    for (const [i, prompt] of prompts.entries()) await fn(prompt, i);
  },
});

const [capture, plainRun] = await wallTimes(gpu.device, [
  each((prompt, seed) => generate(hooked, { ...sampler, prompt, seed, recordCalls: record })),
  each((prompt, seed) => generate(plain, { ...sampler, prompt, seed })),
], { warmup: 1, runs });
console.log(JSON.stringify({ case: 'capture', ours_ms: capture.medianMs, plain_ms: plainRun.medianMs, ratio: capture.medianMs / plainRun.medianMs, runs }));

// Steering calls 15..24 with a fixed direction; the re-run starts from the unsteered run's checkpoint before call 15.
const start = 15;
const { channels: C, height: H, width: W } = hooked.hook!;
const steering = {
  latents: [{ latent: 0, trajectory: Float32Array.from({ length: 5 * C }, (_, i) => Math.cos(i)), alpha: 2, meanActivation: 1 }],
  recordedCalls: record,
  window: [start, 25] as const,
  mask: new Float32Array(H * W).fill(1),
  conditionalOnly: false,
};
const baselines: GenerateResult[] = [];
for (const [seed, prompt] of prompts.entries()) baselines.push(await generate(hooked, { ...sampler, prompt, seed, keepCheckpoints: true }));
const [rerun, full] = await wallTimes(gpu.device, [
  each((prompt, seed) => generate(hooked, { ...sampler, prompt, seed, steering, from: baselines[seed].checkpoints[start] })),
  each((prompt, seed) => generate(hooked, { ...sampler, prompt, seed, steering })),
], { warmup: 1, runs });
console.log(JSON.stringify({ case: 'steer-rerun', ours_ms: rerun.medianMs, full_ms: full.medianMs, ratio: rerun.medianMs / full.medianMs, expected: (25 - start) / 25, runs }));
await Promise.all([plain.release(), hooked.release()]);
process.exit(0);
