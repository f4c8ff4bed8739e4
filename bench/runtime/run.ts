/**
 * `npm run bench:runtime`: what the runtime's two promises cost, on the
 * embedded toy model in Node (onnxruntime-web wasm, our kernels on Dawn),
 * each against its peer measured in the same run, runs interleaved:
 *   capture      generation hooked + recording 5 steps  vs  the plain UNet   (goal ≤ 1.05)
 *   steer-rerun  steered re-run from the cached call     vs  full regeneration (goal ≈ calls re-run / all)
 * One JSON line per case.
 */
import { join } from 'node:path';
import type { SamplerSettings } from '../../src/diffusion/denoise';
import { loadDiffusionModel } from '../../src/diffusion/diffusion-model';
import { configureWasm } from '../../src/diffusion/ort-runtime';
import { openModelSource } from '../../src/diffusion/sources/node';
import { nodeGpu } from '../../src/gpu/node-gpu';
import { captureRatio, steerRerunRatio } from './measures';

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
const options = { sampler, prompts, warmup: 1, runs };

console.log(JSON.stringify({ case: 'capture', ...(await captureRatio(gpu.device, hooked, plain, options)), runs }));
// Steering calls 15..24 with a fixed direction; the re-run starts from the unsteered run's checkpoint before call 15.
console.log(JSON.stringify({ case: 'steer-rerun', ...(await steerRerunRatio(gpu.device, hooked, options)), runs }));
await Promise.all([plain.release(), hooked.release()]);
process.exit(0);
