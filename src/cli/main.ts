/**
 * The headless runner: `npm run cli -- <verb> [options]`. Progress goes to
 * stderr, results to stdout; bad input exits non-zero with a one-line reason.
 */
import { ablation, ablationOptions } from './verbs/ablation';
import { collect, collectOptions } from './verbs/collect';
import { generate, generateOptions } from './verbs/generate';
import { fitPreview, fitPreviewOptions } from './verbs/fit-preview';
import { hook, hookOptions } from './verbs/hook';
import { hooks, hooksOptions } from './verbs/hooks';
import { merge, mergeOptions } from './verbs/merge';
import { steer, steerOptions } from './verbs/steer';
import { study, studyOptions } from './verbs/study';
import { evaluate, evalOptions } from './verbs/eval';
import { features, featuresOptions } from './verbs/features';
import { fit, fitOptions } from './verbs/fit';
import { train, trainOptions } from './verbs/train';
import { synth, synthOptions } from './verbs/synth';
import { usageText, type OptionSpec } from './options';
import { UsageError } from './usage-error';

interface Verb {
  summary: string;
  options: OptionSpec;
  run: (argv: string[]) => Promise<void>;
}

const VERBS: Record<string, Verb> = {
  generate: { summary: 'one image per prompt line (PNG files and index.json)', options: generateOptions, run: generate },
  collect: { summary: "record a UNet block's activation trajectories over a prompt set", options: collectOptions, run: collect },
  hooks: { summary: "list the UNet's hookable blocks with their shapes", options: hooksOptions, run: hooks },
  steer: { summary: 'generate with SAE latents added or ablated', options: steerOptions, run: steer },
  merge: { summary: 'join collection shards into one trajectory file', options: mergeOptions, run: merge },
  fit: { summary: 'fit the linear timestep dynamics and block scales', options: fitOptions, run: fit },
  train: { summary: 'train the residualized temporal SAE', options: trainOptions, run: train },
  eval: { summary: 'FVU (z and x, per step), L0, dead and dense latents of an SAE', options: evalOptions, run: evaluate },
  ablation: { summary: "the paper's four SAEs (residualized/plain × concat/per-step) at equal L0", options: ablationOptions, run: ablation },
  features: { summary: 'map every latent to its activation-space trajectory', options: featuresOptions, run: features },
  synth: { summary: 'write a synthetic trajectory file with planted features', options: synthOptions, run: synth },
  study: { summary: "the method's claims measured on the toy model: dynamics, the ablation, latents vs ground truth, scored steering (study.json, report.md)", options: studyOptions, run: study },
  hook: { summary: 'write the UNet hooked at one block (activation output, steering input) as an .onnx file', options: hookOptions, run: hook },
  'fit-preview': { summary: "fit the latent → RGB step-preview map into a model folder's manifest.json", options: fitPreviewOptions, run: fitPreview },
};

async function main(argv: string[]): Promise<number> {
  const [verb, ...rest] = argv;
  if (!verb || verb === '--help' || verb === 'help') {
    process.stdout.write(`usage: npm run cli -- <verb> [options]\n\n${Object.entries(VERBS).map(([name, v]) => usageText(name, v.summary, v.options)).join('\n\n')}\n`);
    return verb ? 0 : 2;
  }
  const entry = VERBS[verb];
  if (!entry) throw new UsageError(`unknown verb "${verb}". Should be one of: ${Object.keys(VERBS).join(', ')}`);
  if (rest.includes('--help')) {
    process.stdout.write(`${usageText(verb, entry.summary, entry.options)}\n`);
    return 0;
  }
  await entry.run(rest);
  return 0;
}

main(process.argv.slice(2)).then(
  (code) => process.exit(code),
  (error: unknown) => {
    const message = error instanceof Error ? error.message : String(error);
    process.stderr.write(`error: ${message.split('\n')[0]}\n`);
    if (process.env.TRAJ_DEBUG && error instanceof Error) process.stderr.write(`${error.stack}\n`);
    process.exit(error instanceof UsageError ? 2 : 1);
  },
);
