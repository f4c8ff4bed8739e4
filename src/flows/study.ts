/**
 * The study: the method's claims measured on a diffusion model whose images
 * have known attributes, with the lab's own flows, in one call. Read top to
 * bottom:
 *
 *  1. Prompts: the toy's balanced attribute grid, split by image into train
 *     and held-out (both balanced).
 *  2. For each hook: collect S-step trajectories (collect), fit the full,
 *     diagonal and identity dynamics and report R² per transition on train
 *     and held-out images (fit), train the paper's four SAEs (sae/ablation-arms.ts) at equal
 *     L0 and measure them on the held-out images (ablation), and save every
 *     arm's SAE, dynamics and latent statistics as files `steer` and `eval`
 *     load.
 *  3. Latents ↔ ground truth: per arm and attribute value, the latent whose
 *     image-maximum activation best separates the held-out images with that
 *     value (AUROC), when it fires and where (study/arm-latents.ts).
 *  4. Steering, scored by the toy's attribute probe (scored-steering.ts):
 *     every arm steers with its best latent for the colour and position values
 *     where some arm has a latent of AUROC ≥ the threshold.
 *  5. study.json (every number), figures (PNG) and report.md.
 *
 * Nothing is computed only for the report: every number comes from the flows
 * and analyses the lab's pages call. Files are written through `StudyStorage`,
 * so the same flow runs in Node (the `study` verb) and against OPFS.
 */
import { TOY_ATTRIBUTES } from '../data/attribute-grid';
import { TrajectoryReader } from '../data/trajectory-file';
import { readAttributes, type AttributeReading } from '../diffusion/attribute-probe';
import type { DiffusionModel } from '../diffusion/diffusion-model';
import type { ModelSession } from '../diffusion/ort-runtime';
import { createScheduler } from '../diffusion/schedulers';
import type { RgbaImage } from '../diffusion/vae-image';
import type { DynamicsVariant } from '../dynamics/dynamics-file';
import { fitDynamics } from '../dynamics/fit-dynamics';
import { METHOD_ARM, type AblationArmName } from '../sae/ablation-arms';
import { armLatents } from '../study/arm-latents';
import { heatmapStrips, type HeatmapExample } from '../study/figures';
import { heatmapExamples } from '../study/heatmap-examples';
import { studyFigures, studyReport } from '../study/report';
import { stageTimer } from '../study/stage-timer';
import { studySaeSettings, type StudyOptions } from '../study/study-options';
import { pngBlob, writeArmActivations, writeArmFiles, writeHeldoutTrajectories, type StudyStorage } from '../study/study-files';
import { assertToyProbe, promptsJson, studyPrompts } from '../study/study-prompts';
import { armResult, type AblationEntry, type ArmResult, type HookResult, type StudyResult, type SteeringEntry } from '../study/study-results';
import { runAblation } from './ablation';
import { collectTrajectories, evenlySpreadCalls } from './collect-trajectories';
import { steerArm, steeringTargets, summarize, type SteerableArm } from './scored-steering';

export interface StudyEnvironment {
  /** The model with its UNet hooked at `hook`; the study releases it when done with the hook. */
  loadModel(hook: string): Promise<DiffusionModel>;
  /** The model's attribute probe as a session (manifest.probe). */
  loadProbe(): Promise<ModelSession>;
  storage: StudyStorage;
  log?: (message: string) => void;
  signal?: AbortSignal;
}

const R2_VARIANTS: readonly DynamicsVariant[] = ['full', 'diagonal', 'identity'];

export async function runStudy(env: StudyEnvironment, options: StudyOptions): Promise<StudyResult> {
  const { storage, signal } = env;
  const log = env.log ?? (() => {});
  const { seconds, timed } = stageTimer();
  if (options.hooks.length === 0) throw new Error('the study needs at least one hook');

  // 1. Prompts.
  const N = options.images;
  const split = studyPrompts(options);
  const { prompts, isHeldout, heldout } = split;
  await storage.write('prompts.json', promptsJson(split));

  const probe = await env.loadProbe();
  const result: Omit<StudyResult, 'settings'> & { settings?: StudyResult['settings'] } = {
    model: '',
    prompts: 'prompts.json',
    images: { total: N, train: N - heldout.length, heldout: heldout.length },
    generation_accuracy: {},
    hooks: {},
    figures: [],
    seconds,
  };
  const examples: HeatmapExample[] = [];
  try {
    for (const [h, hook] of options.hooks.entries()) {
      signal?.throwIfAborted();
      const model = await timed('load', () => env.loadModel(hook));
      try {
        const { manifest } = model;
        assertToyProbe(manifest);
        const hooked = model.hook!;
        const [S, P, d] = [options.recordSteps, hooked.height * hooked.width, hooked.channels];
        const calls = createScheduler(options.sampler.scheduler, model.schedulerConfig, options.sampler.steps).timesteps.length;
        const recordCalls = evenlySpreadCalls(calls, S);
        const dir = hook;

        // 2a. Collect: one trajectory file of every image; the probe reads each image as it comes.
        const trajectories = `${dir}/trajectories.safetensors`;
        const readings: Record<string, AttributeReading>[] = new Array(N);
        const heldoutRgba = new Map<number, RgbaImage>();
        await timed('collect', async () => {
          const started = performance.now();
          await collectTrajectories(model, await storage.openFile(trajectories), storage.progressStore(`${trajectories}.progress.json`), {
            prompts,
            sampler: options.sampler,
            recordCalls,
            dtype: 'F16',
            resume: false,
            signal,
            onImage: async (p) => {
              readings[p.index] = await readAttributes(probe, manifest, p.image);
              if (isHeldout[p.index]) heldoutRgba.set(p.index, p.image);
              if (h === 0) await storage.write(`images/${String(p.index).padStart(4, '0')}.png`, await pngBlob(p.image));
              if (p.done % 12 === 0 || p.done === p.total) log(`${hook}: collected ${p.done}/${p.total} images (${((performance.now() - started) / 1000).toFixed(0)} s)`);
            },
          });
        });
        const reader = await TrajectoryReader.open(await storage.read(trajectories));
        if (h === 0) {
          result.model = manifest.name;
          result.settings = { ...options, hooks: undefined, record_calls: recordCalls, timesteps: reader.meta.timesteps, calls } as StudyResult['settings'];
          for (const attribute of Object.keys(TOY_ATTRIBUTES)) result.generation_accuracy[attribute] = prompts.filter((p, n) => readings[n][attribute].value === p.attributes[attribute]).length / N;
        }
        const heldoutPath = `${dir}/heldout.safetensors`;
        const heldoutX = await writeHeldoutTrajectories(storage, heldoutPath, reader, heldout);

        // 2b. Dynamics: R² per transition for each predictor; held-out R² on the study's held-out images (where fit chooses λ, as `fit --heldout` does).
        const r2: HookResult['r2'] = {};
        await timed('fit', async () => {
          for (const variant of R2_VARIANTS) {
            const fitted = await fitDynamics(model.gpu, reader, { variant, heldoutFraction: options.heldoutFraction, signal });
            r2[variant] = { train: Array.from(fitted.r2), heldout: Array.from(fitted.r2Heldout ?? []), lambda: fitted.lambda };
            log(`${hook}: ${variant} dynamics R² held-out ${r2[variant].heldout.map((v) => v.toFixed(3)).join(' ')}`);
          }
        });

        // 2c. The ablation: four SAEs at equal L0, measured on the held-out images; each arm saved as files.
        const trained = new Map<AblationArmName, SteerableArm & { files: ArmResult['files'] }>();
        const rows = await timed('ablation', () =>
          runAblation(model.gpu, reader, {
            sae: studySaeSettings(options),
            steps: options.sae.steps,
            variant: 'full',
            heldoutFraction: options.heldoutFraction,
            signal,
            onArm: (arm, phase) => log(`${hook}: ${arm}: ${phase}`),
            onTrained: async (arm, t) => {
              trained.set(arm, { ...t, ...(await writeArmFiles(model.gpu, storage, `${dir}/${arm}`, t, { model: manifest.name, hook, recordCalls })) });
            },
          }),
        );

        // 3. Latents ↔ ground truth, per arm, on the held-out images.
        const truth = heldout.map((n) => prompts[n].attributes);
        const arms = {} as Record<AblationArmName, ArmResult>;
        for (const row of rows) {
          const t = trained.get(row.arm)!;
          const latents = await timed('latents', () => armLatents(model.gpu, t, heldoutX, { truth, S, P, d, grid: hooked, recordCalls }));
          await writeArmActivations(storage, t.files.activations, latents.imageMax, heldout);
          // Heatmap examples of the method's best latents, for the report's figure.
          if (h === 0 && row.arm === METHOD_ARM) examples.push(...heatmapExamples(latents, { heldout, truth, images: heldout.map((n) => heldoutRgba.get(n)!), S, P, hook: hooked, recordCalls }));
          const arm = (arms[row.arm] = armResult(row, t.files, latents.best, options.steering.threshold));
          log(`${hook}: ${row.arm}: FVU x ${row.fvuX.toFixed(4)}, ${arm.values_at_threshold}/${arm.values} values with a latent of AUROC ≥ ${options.steering.threshold}`);
        }
        result.hooks[hook] = { channels: d, height: hooked.height, width: hooked.width, files: { trajectories, heldout: heldoutPath }, r2, arms };

        // 4. Steering, scored by the probe: each arm with its own best latent, on the same prompts, seeds and settings.
        const targets = steeringTargets(Object.values(arms), options.steering);
        await timed('steering', async () => {
          for (const row of rows) {
            const arm = arms[row.arm];
            const runs = await steerArm(model, probe, trained.get(row.arm)!, arm, targets, { prompts, heldout, options, calls, dir: `${dir}/${row.arm}`, storage, log, signal });
            arm.files.steering_runs = `${dir}/${row.arm}/steering-runs.json`;
            await storage.write(arm.files.steering_runs, `${JSON.stringify(runs, null, 1)}\n`);
            arm.steering = summarize(runs.filter((r) => r.kind === 'add'), arm, 'add') as SteeringEntry[];
            arm.ablation = summarize(runs.filter((r) => r.kind === 'ablate'), arm, 'ablate') as AblationEntry[];
          }
        });
      } finally {
        await model.release();
      }
    }
  } finally {
    await probe.release();
  }

  // 5. study.json, figures and report.md.
  const study = result as StudyResult;
  const figures = studyFigures(study);
  if (examples.length > 0) figures.push({ name: 'heatmaps.png', raster: heatmapStrips(examples) });
  for (const { name, raster } of figures) await storage.write(`figures/${name}`, await pngBlob(raster));
  study.figures = figures.map((f) => `figures/${f.name}`);
  await storage.write('study.json', `${JSON.stringify(study, null, 1)}\n`);
  await storage.write('report.md', studyReport(study));
  return study;
}
