import { join } from 'node:path';
import { configureWasm, ModelSession } from '../../diffusion/ort-runtime';
import { openModelSource } from '../../diffusion/sources/node';
import { runStudy } from '../../flows/study';
import { QUICK_STUDY, STUDY_DEFAULTS, type StudyOptions } from '../../study/study-options';
import type { StudyStorage } from '../../study/study-files';
import { diskProgressStore, openDiskFile } from '../disk-file';
import { openFile, saveBlob, saveText } from '../files';
import { commandModel } from '../model';
import { numberOption, optionalString, parseOptions, requiredString, type OptionSpec } from '../options';
import { note } from '../progress';
import { parseSampler, samplerOptions } from '../sampler-options';
import { UsageError } from '../usage-error';

/** The second hook of the full study: one block up from the default, at twice its resolution (8×8 on the toy). */
const HIGH_RESOLUTION_HOOK = 'up_blocks.2.attentions.1';

export const studyOptions: OptionSpec = {
  model: { type: 'string', help: 'model folder with an attribute probe (the toy: public/models/toy)' },
  out: { type: 'string', help: 'study folder: study.json, report.md, figures/, and per hook the trajectories and each arm\'s SAE, dynamics, statistics' },
  images: { type: 'string', help: `attribute-grid prompts per hook (default ${STUDY_DEFAULTS.images}; --quick ${QUICK_STUDY.images})` },
  hooks: { type: 'string', help: `comma list of UNet blocks; steering runs on the first (default: the manifest's default hook and ${HIGH_RESOLUTION_HOOK}; --quick the default only)` },
  seed: { type: 'string', help: 'seed of the prompt grid and the SAEs (default 0)' },
  heldout: { type: 'string', help: `share of images held out (default ${STUDY_DEFAULTS.heldoutFraction})` },
  latents: { type: 'string', help: `SAE latents m (default ${STUDY_DEFAULTS.sae.latents}; --quick ${QUICK_STUDY.sae.latents})` },
  k: { type: 'string', help: `active latents per trajectory (default ${STUDY_DEFAULTS.sae.k})` },
  'sae-steps': { type: 'string', help: `SAE training steps per arm (default ${STUDY_DEFAULTS.sae.steps}; --quick ${QUICK_STUDY.sae.steps})` },
  alphas: { type: 'string', help: `comma list of steering strengths α (default ${STUDY_DEFAULTS.steering.alphas.join(',')})` },
  quick: { type: 'boolean', help: 'a small study of every stage (a few minutes), for tests' },
  ...samplerOptions,
};

/** `study`: the method's claims as numbers on a model with ground truth (the toy's attribute grid). */
export async function study(argv: string[]): Promise<void> {
  const v = parseOptions('study', argv, studyOptions);
  const modelSpec = requiredString('study', v, 'model');
  const out = requiredString('study', v, 'out');
  const base = v.quick === true ? QUICK_STUDY : STUDY_DEFAULTS;
  const files = await openModelSource(modelSpec).catch((error: Error) => {
    throw new UsageError(`study: cannot open model "${modelSpec}": ${error.message.split('\n')[0]}`);
  });
  const { manifest } = files;
  if (!manifest.probe) throw new UsageError(`study: ${manifest.name} has no attribute probe to score against; the study runs on the toy model (public/models/toy)`);
  const defaultHook = manifest.hooks?.find((h) => h.default)?.path;
  if (!defaultHook) throw new UsageError(`study: ${manifest.name}'s manifest marks no default hook; pass --hooks`);
  const hooksText = optionalString(v, 'hooks');
  const hooks = hooksText ? hooksText.split(',').map((h) => h.trim()).filter(Boolean) : v.quick === true ? [defaultHook] : [defaultHook, HIGH_RESOLUTION_HOOK];
  for (const hook of hooks) {
    if (!manifest.hooks?.some((h) => h.path === hook)) throw new UsageError(`study: hook "${hook}" is not a block of ${manifest.name}. Should be one of: ${(manifest.hooks ?? []).map((h) => h.path).join(', ')}`);
  }
  const alphasText = optionalString(v, 'alphas');
  const alphas = alphasText ? alphasText.split(',').map(Number) : base.steering.alphas;
  if (alphas.length === 0 || alphas.some((a) => !Number.isFinite(a))) throw new UsageError(`study: --alphas must be a comma list of numbers, got "${alphasText}"`);

  const sampler = parseSampler('study', v, files);
  const options: StudyOptions = {
    ...base,
    hooks,
    sampler,
    images: numberOption('study', v, 'images', { default: base.images, min: 2, integer: true }),
    seed: numberOption('study', v, 'seed', { default: base.seed, min: 0, integer: true }),
    heldoutFraction: numberOption('study', v, 'heldout', { default: base.heldoutFraction, min: 0 }),
    sae: {
      ...base.sae,
      latents: numberOption('study', v, 'latents', { default: base.sae.latents, min: 2, integer: true }),
      k: numberOption('study', v, 'k', { default: base.sae.k, min: 1, integer: true }),
      steps: numberOption('study', v, 'sae-steps', { default: base.sae.steps, min: 1, integer: true }),
    },
    steering: { ...base.steering, alphas },
  };

  const storage: StudyStorage = {
    openFile: (path) => openDiskFile(join(out, path)),
    progressStore: (path) => diskProgressStore(join(out, path)),
    read: (path) => openFile(join(out, path), 'study'),
    write: (path, data) => (typeof data === 'string' ? saveText(join(out, path), data) : saveBlob(join(out, path), data)),
  };
  const started = performance.now();
  const result = await runStudy(
    {
      loadModel: (hook) => commandModel('study', modelSpec, hook),
      loadProbe: async () => {
        configureWasm(1);
        return ModelSession.create('attribute probe', await files.read(manifest.probe!.file), { provider: 'wasm' });
      },
      storage,
      log: (message) => note(`study: ${message}`),
    },
    options,
  );
  const minutes = (performance.now() - started) / 60_000;
  note(`study: done in ${minutes.toFixed(1)} min; report at ${join(out, 'report.md')}`);
  process.stdout.write(
    `${JSON.stringify({
      out,
      report: join(out, 'report.md'),
      minutes,
      hooks: Object.fromEntries(Object.entries(result.hooks).map(([hook, h]) => [hook, Object.fromEntries(Object.entries(h.arms).map(([arm, a]) => [arm, { fvu_x: a.fvu_x, values_at_threshold: a.values_at_threshold, steering_runs: a.steering.reduce((sum, e) => sum + e.runs, 0) }]))])),
    })}\n`,
  );
}
