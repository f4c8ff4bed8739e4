import { existsSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { generate } from '../../diffusion/denoise';
import { fitPreviewMatrix, poolImage } from '../../diffusion/latent-preview';
import { saveText } from '../files';
import { commandModel } from '../model';
import { numberOption, parseOptions, requiredString, type OptionSpec } from '../options';
import { progressReporter } from '../progress';
import { UsageError } from '../usage-error';

export const fitPreviewOptions: OptionSpec = {
  model: { type: 'string', help: 'model folder with manifest.json (the fitted previewMatrix is written into it)' },
  images: { type: 'string', help: 'images generated for the fit (default 48)' },
};

// Varied scenes: every colour and background, a few shapes and places (the toy's vocabulary; any prompts work).
const COLOURS = ['red', 'green', 'blue', 'yellow', 'purple', 'orange'];
const BACKGROUNDS = ['black', 'white', 'gray', 'blue'];
const SHAPES = ['circle', 'square', 'triangle', 'cross'];

/**
 * `fit-preview`: fits the model's per-step preview map (latent → RGB, the
 * manifest's previewMatrix) by least squares between the final latents of N
 * generated images and their VAE decodes pooled to latent size, writes it
 * into the folder's manifest.json and prints the R² of each colour.
 */
export async function fitPreview(argv: string[]): Promise<void> {
  const v = parseOptions('fit-preview', argv, fitPreviewOptions);
  const dir = requiredString('fit-preview', v, 'model');
  const count = numberOption('fit-preview', v, 'images', { default: 48, min: 1, integer: true });
  const path = join(dir, 'manifest.json');
  if (/^https?:\/\//i.test(dir) || !existsSync(path)) throw new UsageError(`fit-preview: --model ${dir} is not a folder with manifest.json, which the fitted map is written into`);

  const model = await commandModel('fit-preview', dir, null);
  const { manifest } = model;
  const h = manifest.imageSize / manifest.vaeScaleFactor;
  const latents: Float32Array[] = [];
  const pooled: Float32Array[] = [];
  const progress = progressReporter('fit-preview');
  for (let i = 0; i < count; i++) {
    const prompt = `a large ${COLOURS[i % 6]} ${SHAPES[i % 4]} in the centre on a ${BACKGROUNDS[Math.floor(i / 6) % 4]} background`;
    const r = await generate(model, { scheduler: manifest.sampler.name, steps: manifest.sampler.steps, guidance: manifest.sampler.guidanceScale, prompt, seed: i });
    latents.push(r.latent);
    pooled.push(poolImage(r.image, h, h));
    progress(i + 1, count);
  }
  await model.release();
  const { matrix, r2 } = fitPreviewMatrix(latents, pooled, manifest.latentChannels);
  const json = JSON.parse(await readFile(path, 'utf8'));
  json.previewMatrix = matrix.map((row) => row.map((x) => Number(x.toPrecision(6))));
  await saveText(path, `${JSON.stringify(json, null, 2)}\n`);
  process.stdout.write(`${JSON.stringify({ manifest: path, images: count, r2 })}\n`);
}
