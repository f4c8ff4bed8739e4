import { join } from 'node:path';
import { encodePng } from '../../data/png';
import { generate as generateImage } from '../../diffusion/denoise';
import { saveBlob, saveText } from '../files';
import { PROVIDERS } from '../../diffusion/ort-runtime';
import { commandModel, MODEL_HELP, PROVIDER_HELP } from '../model';
import { PROMPTS_HELP, readPromptFile } from '../prompt-file';
import { choiceOption, numberOption, optionalString, parseOptions, requiredString, type OptionSpec } from '../options';
import { note } from '../progress';
import { parseSampler, samplerOptions } from '../sampler-options';

export const generateOptions: OptionSpec = {
  model: { type: 'string', help: MODEL_HELP },
  prompts: { type: 'string', help: PROMPTS_HELP },
  seed: { type: 'string', help: 'seed of the first prompt; prompt i uses seed + i (default 0)' },
  negative: { type: 'string', help: "negative prompt for every image without the file's own negative_prompt (default none)" },
  ...samplerOptions,
  provider: { type: 'string', help: PROVIDER_HELP },
  out: { type: 'string', help: 'folder for 0000.png, 0001.png, … and index.json' },
};

/** `generate`: one PNG per prompt line, and index.json listing {prompt, seed, file}. */
export async function generate(argv: string[]): Promise<void> {
  const v = parseOptions('generate', argv, generateOptions);
  const promptsPath = requiredString('generate', v, 'prompts');
  const out = requiredString('generate', v, 'out');
  const seed = numberOption('generate', v, 'seed', { default: 0, min: 0, integer: true });
  const provider = choiceOption('generate', v, 'provider', PROVIDERS, 'wasm');
  const prompts = await readPromptFile('generate', promptsPath, seed);
  const model = await commandModel('generate', requiredString('generate', v, 'model'), null, provider);
  const sampler = parseSampler('generate', v, model);
  const index: { prompt: string; seed: number; file: string }[] = [];
  for (const [i, p] of prompts.entries()) {
    const started = performance.now();
    const result = await generateImage(model, { ...sampler, prompt: p.prompt, seed: p.seed, negativePrompt: p.negativePrompt ?? optionalString(v, 'negative') });
    const file = `${String(i).padStart(4, '0')}.png`;
    await saveBlob(join(out, file), new Blob([await encodePng(result.image) as Uint8Array<ArrayBuffer>]));
    index.push({ prompt: p.prompt, seed: p.seed, file });
    note(`generate: ${i + 1}/${prompts.length} ${file} (${((performance.now() - started) / 1000).toFixed(2)} s) "${p.prompt}"`);
  }
  await saveText(join(out, 'index.json'), `${JSON.stringify(index, null, 1)}\n`);
  process.stdout.write(`${JSON.stringify({ out, images: index.length })}\n`);
  await model.release();
}
