/**
 * `npm run model:fit-preview -- --model DIR [--images N]`: fits a model's
 * per-step preview map (latent → RGB, DESIGN §3's previewMatrix) by least
 * squares between the final latents of N generated images and their VAE
 * decodes pooled to latent size, and writes it into DIR/manifest.json.
 * Prints the R² of each colour.
 */
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { generate } from '../src/diffusion/denoise';
import { loadDiffusionModel } from '../src/diffusion/diffusion-model';
import { fitPreviewMatrix, poolImage } from '../src/diffusion/latent-preview';
import { configureWasm } from '../src/diffusion/ort-runtime';
import { openModelSource } from '../src/diffusion/sources/node';
import { nodeGpu } from '../src/gpu/node-gpu';

const { values } = parseArgs({ args: process.argv.slice(2), options: { model: { type: 'string' }, images: { type: 'string' } } });
if (!values.model) {
  process.stderr.write('error: --model DIR is required\n');
  process.exit(2);
}
const dir = values.model;
const count = Number(values.images ?? 48);
configureWasm(1);
const gpu = await nodeGpu();
const model = await loadDiffusionModel(await openModelSource(dir), { provider: 'wasm', hook: null, gpu: async () => gpu });
const { manifest } = model;
const h = manifest.imageSize / manifest.vaeScaleFactor;
// Varied scenes: every colour and background, a few shapes and places (the toy's vocabulary; any prompts work).
const colours = ['red', 'green', 'blue', 'yellow', 'purple', 'orange'];
const backgrounds = ['black', 'white', 'gray', 'blue'];
const shapes = ['circle', 'square', 'triangle', 'cross'];
const latents: Float32Array[] = [];
const pooled: Float32Array[] = [];
for (let i = 0; i < count; i++) {
  const prompt = `a large ${colours[i % 6]} ${shapes[i % 4]} in the centre on a ${backgrounds[Math.floor(i / 6) % 4]} background`;
  const r = await generate(model, { scheduler: manifest.sampler.name, steps: manifest.sampler.steps, guidance: manifest.sampler.guidanceScale, prompt, seed: i });
  latents.push(r.latent);
  pooled.push(poolImage(r.image, h, h));
  process.stderr.write(`\rfit-preview: ${i + 1}/${count}`);
}
const { matrix, r2 } = fitPreviewMatrix(latents, pooled, manifest.latentChannels);
const path = join(dir, 'manifest.json');
const json = JSON.parse(readFileSync(path, 'utf8'));
json.previewMatrix = matrix.map((row) => row.map((v) => Number(v.toPrecision(6))));
writeFileSync(path, `${JSON.stringify(json, null, 2)}\n`);
process.stdout.write(`\n${JSON.stringify({ manifest: path, images: count, r2 })}\n`);
process.exit(0);
