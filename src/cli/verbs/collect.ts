import { createScheduler } from '../../diffusion/schedulers';
import { collectionBytes, collectTrajectories, evenlySpreadCalls } from '../../flows/collect-trajectories';
import { diskProgressStore, openDiskFile } from '../disk-file';
import { commandModel, MODEL_HELP } from '../model';
import { PROMPTS_HELP, readPromptFile } from '../prompt-file';
import { choiceOption, numberOption, optionalString, parseOptions, requiredString, type OptionSpec } from '../options';
import { note, progressReporter } from '../progress';
import { parseSampler, samplerOptions } from '../sampler-options';
import { UsageError } from '../usage-error';

export const collectOptions: OptionSpec = {
  model: { type: 'string', help: MODEL_HELP },
  prompts: { type: 'string', help: PROMPTS_HELP },
  seed: { type: 'string', help: 'seed of the first prompt (default 0)' },
  hook: { type: 'string', help: "UNet block to record, e.g. up_blocks.1.attentions.1 (default: the manifest's default hook)" },
  record: { type: 'string', help: 'recorded steps S, evenly spread over the run (default 5), or a comma list of UNet call indices' },
  ...samplerOptions,
  dtype: { type: 'string', help: 'F16 | F32 (default F16)' },
  shard: { type: 'string', help: 'I/N: record only the I-th (1-based) of N equal prompt ranges' },
  resume: { type: 'boolean', help: 'continue an interrupted collection into the same --out' },
  out: { type: 'string', help: 'trajectory file to write (.safetensors)' },
};

/** "I/N" → the prompt range [start, end) of shard I of N equal ranges. */
export function shardRange(spec: string, count: number): [number, number] {
  const m = /^(\d+)\/(\d+)$/.exec(spec);
  const [i, n] = m ? [Number(m[1]), Number(m[2])] : [0, 0];
  if (!m || n < 1 || i < 1 || i > n) throw new UsageError(`collect: --shard must be I/N with 1 ≤ I ≤ N, got "${spec}"`);
  return [Math.floor(((i - 1) * count) / n), Math.floor((i * count) / n)];
}

/** `collect`: record the hooked block's trajectories over a prompt set into one trajectory file. */
export async function collect(argv: string[]): Promise<void> {
  const v = parseOptions('collect', argv, collectOptions);
  const promptsPath = requiredString('collect', v, 'prompts');
  const out = requiredString('collect', v, 'out');
  const seed = numberOption('collect', v, 'seed', { default: 0, min: 0, integer: true });
  const dtype = choiceOption('collect', v, 'dtype', ['F16', 'F32'] as const, 'F16');
  let prompts = await readPromptFile('collect', promptsPath, seed);
  const shard = optionalString(v, 'shard');
  if (shard) {
    const [start, end] = shardRange(shard, prompts.length);
    if (start === end) throw new UsageError(`collect: shard ${shard} of ${prompts.length} prompts is empty; use fewer shards`);
    prompts = prompts.slice(start, end);
  }

  const modelSpec = requiredString('collect', v, 'model');
  const hook = optionalString(v, 'hook') ?? null;
  const model = await commandModel('collect', modelSpec, hook ?? 'default');
  const sampler = parseSampler('collect', v, model);
  const calls = createScheduler(sampler.scheduler, model.schedulerConfig, sampler.steps).timesteps.length;
  const recordText = optionalString(v, 'record') ?? '5';
  let recordCalls: number[];
  if (recordText.includes(',')) {
    recordCalls = recordText.split(',').map(Number);
    if (recordCalls.some((c, i) => !Number.isInteger(c) || c < 0 || c >= calls || (i > 0 && c <= recordCalls[i - 1]))) {
      throw new UsageError(`collect: --record ${recordText} must list ascending UNet call indices below ${calls}`);
    }
  } else {
    const S = Number(recordText);
    if (!Number.isInteger(S) || S < 1 || S > calls) throw new UsageError(`collect: --record must be a step count in [1, ${calls}] or a comma list of call indices, got "${recordText}"`);
    recordCalls = evenlySpreadCalls(calls, S);
  }
  const h = model.hook!;
  const bytes = collectionBytes(prompts.length, recordCalls.length, h.height * h.width, h.channels, dtype);
  note(`collect: ${prompts.length} images × ${recordCalls.length} steps (calls ${recordCalls.join(', ')}) × ${h.height * h.width} positions × ${h.channels} channels at ${h.path} = ${(bytes / 2 ** 20).toFixed(2)} MiB (${dtype})`);

  const report = progressReporter('collect');
  const controller = new AbortController();
  const stop = () => controller.abort();
  // Ctrl-C, and the SIGTERM a scheduler sends before preempting a job: finish the image's write, keep the progress record.
  process.once('SIGINT', stop);
  process.once('SIGTERM', stop);
  const result = await collectTrajectories(model, await openDiskFile(out), diskProgressStore(`${out}.progress.json`), {
    prompts,
    sampler,
    recordCalls,
    dtype,
    resume: v.resume === true,
    signal: controller.signal,
    onImage: (p) => report(p.done, p.total, `${p.imagesPerSecond.toFixed(2)} images/s, ETA ${Math.round(p.etaSeconds)} s`),
  });
  process.off('SIGINT', stop);
  process.off('SIGTERM', stop);
  await model.release();
  if (!result.complete) {
    note(`collect: stopped with ${result.generated} new images; run again with --resume to finish`);
    process.exitCode = 130;
  }
  process.stdout.write(`${JSON.stringify({ out, images: result.meta.prompts.length, generated: result.generated, complete: result.complete, hook: result.meta.hook, step_indices: result.meta.stepIndices, timesteps: result.meta.timesteps })}\n`);
}
