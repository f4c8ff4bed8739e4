/**
 * The study (issue 11): the method's claims measured on a diffusion model
 * whose images have known attributes, with the lab's own flows, in one call.
 * Read top to bottom:
 *
 *  1. Prompts: the toy's balanced attribute grid, split by image into train
 *     and held-out (both balanced).
 *  2. For each hook: collect S-step trajectories (collect), fit the full,
 *     diagonal and identity dynamics and report R² per transition on train
 *     and held-out images (fit), train the four SAEs of DESIGN §1.7 at equal
 *     L0 and measure them on the held-out images (ablation), and save every
 *     arm's SAE, dynamics and latent statistics as files `steer` and `eval`
 *     load.
 *  3. Latents ↔ ground truth: per arm and attribute value, the latent whose
 *     image-maximum activation best separates the held-out images with that
 *     value (AUROC), when it fires (temporal centre of mass) and where (the
 *     heatmap's centroid against the true position).
 *  4. Steering, scored by the toy's attribute probe: for every colour and
 *     position value where an arm has a latent of AUROC ≥ the threshold, every
 *     arm steers with its best latent for it held-out prompts that ask for
 *     another value (several α, full, early and late windows), and ablates it
 *     on prompts that have it: the same prompts and seeds for every arm.
 *  5. study.json (every number), figures (PNG) and report.md.
 *
 * Nothing is computed only for the report: every number comes from the flows
 * the lab's pages call (collectTrajectories, fitDynamics, runAblation,
 * imageLatentActivations, saeFeatureTrajectories, SteeringSession,
 * readAttributes). Files are written through `StudyStorage`, so the same flow
 * runs in Node (the `study` verb) and against OPFS.
 */
import { attributeGridPrompts, TOY_ATTRIBUTES, type AttributePrompt } from '../data/attribute-grid';
import { encodePng } from '../data/png';
import { serializeSafetensors } from '../data/safetensors';
import { serializeTrajectoryFile, TrajectoryReader, type TrajectoryMeta } from '../data/trajectory-file';
import type { ProgressStore, RandomAccessFile } from '../data/trajectory-writer';
import { readAttributes, type AttributeReading } from '../diffusion/attribute-probe';
import type { SamplerSettings } from '../diffusion/denoise';
import type { DiffusionModel } from '../diffusion/diffusion-model';
import type { ModelSession } from '../diffusion/ort-runtime';
import { createScheduler } from '../diffusion/schedulers';
import type { RgbaImage } from '../diffusion/vae-image';
import { serializeDynamicsFile, type DynamicsVariant } from '../dynamics/dynamics-file';
import { fitDynamics, heldoutImages } from '../dynamics/fit-dynamics';
import { serializeLatentStatistics } from '../sae/latent-statistics-file';
import type { SaeConfig } from '../sae/sae-config';
import { saeCfgJson, serializeSaeFile } from '../sae/sae-file';
import { toSaeFile } from '../sae/sae-interchange';
import { bestLatentPerValue } from '../analysis/attribute-auroc';
import { heatmapStrips, type HeatmapExample } from '../study/figures';
import { studyFigures, studyReport } from '../study/report';
import { scoreSteering, summarizeSteering, type ScoredImage, type SteeringOutcome, type SteeringSummary } from '../study/steering-score';
import { runAblation, type AblationArmName, type TrainedArm } from './ablation';
import { collectTrajectories, evenlySpreadCalls } from './collect-trajectories';
import { asOneImage } from '../analysis/image-activation-summaries';
import { imageLatentActivations } from '../analysis/image-latent-activations';
import { imageMeanMax } from '../analysis/image-mean-max';
import { latentReport } from '../analysis/latent-report';
import { saeFeatureTrajectories } from '../analysis/sae-feature-trajectories';
import { SteeringSession } from './steer-image';

// ---------------------------------------------------------------- settings

export interface StudyOptions {
  /** Attribute-grid prompts (images) per hook. */
  images: number;
  /** UNet blocks to record, e.g. the toy's default up_blocks.1.attentions.1 and the 8×8 up_blocks.2.attentions.1; steering runs on the first. */
  hooks: string[];
  /** Seeds the prompt grid (prompt i generates with seed + i) and the SAEs. */
  seed: number;
  /** Share of images held out: every reported number is measured on them. */
  heldoutFraction: number;
  sampler: SamplerSettings;
  /** Recorded steps S (DESIGN §1: 5). */
  recordSteps: number;
  /** SAE settings shared by the four arms (TopK, so L0 is equal exactly). */
  sae: { latents: number; k: number; batchSize: number; steps: number; lr: number };
  steering: {
    /** Strengths α in units of m_k, tried over the full window. */
    alphas: number[];
    /** α of the early- and late-window runs. */
    windowAlpha: number;
    /** Held-out prompts steered per target value (each asking for another value). */
    promptsPerTarget: number;
    /** At most this many target values per hook (quick runs). */
    maxTargets: number;
    /** A value is a target when an arm's best latent for it reaches this AUROC. */
    threshold: number;
  };
  /** Recorded in study.json; `--quick` sizes. */
  quick: boolean;
}

/** The full study: about 45 minutes on two CPU cores with SwiftShader and onnxruntime's wasm backend. */
export const STUDY_DEFAULTS: Omit<StudyOptions, 'hooks' | 'sampler'> = {
  images: 216,
  seed: 0,
  heldoutFraction: 0.25,
  recordSteps: 5,
  sae: { latents: 128, k: 10, batchSize: 256, steps: 1200, lr: 2e-3 },
  steering: { alphas: [4, 16, 48], windowAlpha: 16, promptsPerTarget: 3, maxTargets: 15, threshold: 0.9 },
  quick: false,
};

/** `--quick`: every stage on a few images, one hook and short runs (a few minutes), for tests. */
export const QUICK_STUDY: Omit<StudyOptions, 'hooks' | 'sampler'> = {
  ...STUDY_DEFAULTS,
  images: 36,
  sae: { latents: 64, k: 10, batchSize: 128, steps: 40, lr: 3e-3 },
  steering: { ...STUDY_DEFAULTS.steering, alphas: [16], promptsPerTarget: 1, maxTargets: 2 },
  quick: true,
};

/** study.json's names of the ablation's arms (flows/ablation.ts). */
export const ARM_KEYS: Record<AblationArmName, string> = {
  'residualized-concat': 'resid-concat',
  concat: 'concat',
  'residualized-per-step': 'resid-per-step',
  'per-step': 'per-step',
};

const R2_VARIANTS: readonly DynamicsVariant[] = ['full', 'diagonal', 'identity'];
/** The attributes steering targets (issue 11 §6). */
const STEERED_ATTRIBUTES = ['color', 'position'] as const;
/** Centres of the toy's 3×3 position grid in image fractions (scenes.py: 15/32/49 px of 64). */
const CELL_CENTRES = [15 / 64, 32 / 64, 49 / 64];

// ---------------------------------------------------------------- environment

/** The study folder: paths are relative to it, '/'-separated. */
export interface StudyStorage {
  /** A random-access file (created if missing), for a trajectory collection. */
  openFile(path: string): Promise<RandomAccessFile>;
  /** Where a collection keeps its list of finished images. */
  progressStore(path: string): ProgressStore;
  read(path: string): Promise<Blob>;
  write(path: string, data: Blob | string): Promise<void>;
}

export interface StudyEnvironment {
  /** The model with its UNet hooked at `hook`; the study releases it when done with the hook. */
  loadModel(hook: string): Promise<DiffusionModel>;
  /** The model's attribute probe as a session (manifest.probe). */
  loadProbe(): Promise<ModelSession>;
  storage: StudyStorage;
  log?: (message: string) => void;
  signal?: AbortSignal;
}

// ---------------------------------------------------------------- results (study.json)

export interface BestLatent {
  attribute: string;
  value: string;
  latent: number;
  auroc: number;
  positives: number;
  /** Temporal centre of mass of H_k summed over space, in recorded steps 1..S, and as a UNet call. */
  temporal_com: number;
  temporal_com_call: number;
  /** That profile normalised to sum 1, [S]. */
  temporal_profile: number[];
  /** Position values: activation-weighted centroid of f_k(n, p) over the held-out images with the value, in image fractions [x, y] (absent if it never fires there). */
  centroid?: [number, number];
  true_centre?: [number, number];
  centroid_error?: number;
}

/** Which latent was steered toward which value, how strongly and when. */
export interface SteeringSetting {
  attribute: string;
  value: string;
  latent: number;
  alpha: number;
  /** UNet calls [start, end). */
  window: [number, number];
  window_name: 'full' | 'early' | 'late';
}

/** One target and setting, its runs summarised (steering-score.ts). */
export interface SteeringEntry extends SteeringSetting, SteeringSummary {
  auroc: number;
}

export type AblationEntry = Omit<SteeringEntry, 'alpha'>;

export interface ArmResult {
  fvu_x: number;
  fvu_z: number;
  fvu_x_per_step: number[];
  fvu_z_per_step: number[];
  l0: number;
  k_per_row: number;
  dead_percent: number;
  dense_percent: number;
  /** Relative to the study folder. */
  files: { sae: string; dynamics: string; stats: string; activations: string; steering_runs?: string };
  best_latents: BestLatent[];
  /** Attribute values whose best latent reaches the threshold AUROC, and of how many. */
  values_at_threshold: number;
  values: number;
  steering: SteeringEntry[];
  ablation: AblationEntry[];
}

export interface HookResult {
  channels: number;
  height: number;
  width: number;
  files: { trajectories: string; heldout: string };
  r2: Record<string, { train: number[]; heldout: number[]; lambda: number }>;
  arms: Record<string, ArmResult>;
}

export interface StudyResult {
  model: string;
  settings: Omit<StudyOptions, 'hooks'> & { record_calls: number[]; timesteps: number[]; calls: number };
  /** prompts.json: every prompt with its seed, attributes and split. */
  prompts: string;
  images: { total: number; train: number; heldout: number };
  /** How often the probe reads back what the prompt asked for, on all generated images. */
  generation_accuracy: Record<string, number>;
  hooks: Record<string, HookResult>;
  figures: string[];
  seconds: Record<string, number>;
}

/** One steered or ablated image, in an arm's steering-runs.json. */
export interface SteeringRun extends SteeringSetting {
  kind: 'add' | 'ablate';
  /** Image index in the study's prompt set. */
  image: number;
  prompt: string;
  seed: number;
  /** The steered image (PNG), relative to the study folder. */
  file: string;
  read: string;
  success: boolean;
  target_gain: number;
  other_changed: string[];
  image_change: number;
  outside_change: number;
  other_probability_change: number;
}

// ---------------------------------------------------------------- the study

export async function runStudy(env: StudyEnvironment, options: StudyOptions): Promise<StudyResult> {
  const { storage, signal } = env;
  const log = env.log ?? (() => {});
  const seconds: Record<string, number> = {};
  const timed = async <T>(stage: string, run: () => Promise<T>): Promise<T> => {
    const started = performance.now();
    try {
      return await run();
    } finally {
      seconds[stage] = (seconds[stage] ?? 0) + (performance.now() - started) / 1000;
    }
  };
  if (options.hooks.length === 0) throw new Error('the study needs at least one hook');

  // 1. Prompts: the first H grid prompts (a balanced prefix) take the held-out slots, the rest the training slots.
  const N = options.images;
  const isHeldout = heldoutImages(N, options.heldoutFraction);
  const heldout = isHeldout.flatMap((h, n) => (h ? [n] : []));
  const maxValues = Math.max(...Object.values(TOY_ATTRIBUTES).map((v) => v.length));
  if (heldout.length < maxValues) throw new Error(`the study holds out ${heldout.length} of ${N} images; every attribute value needs one (at least ${maxValues}): use more images or a larger held-out share`);
  const grid = attributeGridPrompts({ count: N, seed: options.seed });
  const order = [...heldout, ...isHeldout.flatMap((h, n) => (h ? [] : [n]))];
  const prompts: AttributePrompt[] = new Array(N);
  order.forEach((slot, i) => (prompts[slot] = { ...grid[i], seed: options.seed + slot }));
  await storage.write('prompts.json', `${JSON.stringify(prompts.map((p, n) => ({ ...p, split: isHeldout[n] ? 'heldout' : 'train' })), null, 1)}\n`);

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
        const attributes = manifest.probe?.attributes;
        if (!attributes || JSON.stringify(attributes) !== JSON.stringify(TOY_ATTRIBUTES)) {
          throw new Error(`the study's prompts are the toy model's attribute grid, scored by its probe; ${manifest.name} ${attributes ? `has a probe for ${Object.keys(attributes).join(', ')}` : 'has no attribute probe'}`);
        }
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
              if (h === 0) await storage.write(`images/${String(p.index).padStart(4, '0')}.png`, await png(p.image));
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
        // The held-out images as their own file, so `eval` measures exactly what the study reports (F16 → f32 → F16 is exact).
        const heldoutPath = `${dir}/heldout.safetensors`;
        const heldoutX = await readImages(reader, heldout);
        await storage.write(heldoutPath, serializeTrajectoryFile(subsetMeta(reader.meta, heldout), heldoutX, d, 'F16'));

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
        const trained = new Map<AblationArmName, TrainedArm & { files: ArmResult['files']; cfg: ReturnType<typeof toSaeFile>['cfg'] }>();
        const rows = await timed('ablation', () =>
          runAblation(model.gpu, reader, {
            sae: saeSettings(options),
            steps: options.sae.steps,
            variant: 'full',
            heldoutFraction: options.heldoutFraction,
            signal,
            onArm: (arm, phase) => log(`${hook}: ${ARM_KEYS[arm]}: ${phase}`),
            onTrained: async (arm, t) => {
              const folder = `${dir}/${ARM_KEYS[arm]}`;
              const file = toSaeFile(t.config, t.weights, { model: manifest.name, hook, dynamics: t.dynamics, stepIndices: recordCalls });
              const files = { sae: `${folder}/sae.safetensors`, dynamics: `${folder}/dynamics.safetensors`, stats: `${folder}/stats.safetensors`, activations: `${folder}/activations.safetensors` };
              await storage.write(files.sae, serializeSaeFile(file));
              await storage.write(`${folder}/cfg.json`, saeCfgJson(file.cfg));
              await storage.write(files.dynamics, serializeDynamicsFile(t.dynamics));
              await storage.write(files.stats, serializeLatentStatistics(await latentReport(model.gpu, t.dynamics, t, t.statistics, Math.min(8, t.config.latents - 1))));
              trained.set(arm, { ...t, files, cfg: file.cfg });
            },
          }),
        );

        // 3. Latents ↔ ground truth, per arm, on the held-out images.
        const truth = heldout.map((n) => prompts[n].attributes);
        const arms: Record<string, ArmResult> = {};
        for (const row of rows) {
          const t = trained.get(row.arm)!;
          const key = ARM_KEYS[row.arm];
          const m = t.config.latents;
          const { best, imageMax, f, R, profile } = await timed('latents', async () => {
            // The held-out set as one image of Nh·P positions: f [m, R, Nh·P] (R = S for a per-step SAE).
            const f = await imageLatentActivations(model.gpu, t.dynamics, t, asOneImage(heldoutX, heldout.length, S, P, d), Array.from({ length: m }, (_, k) => k));
            const R = f.length / (m * heldout.length * P);
            const imageMax = imageMeanMax(f, m, heldout.length, P).max;
            const best = bestLatentPerValue(imageMax, heldout.length, m, truth, TOY_ATTRIBUTES);
            const ids = best.map((b) => b.latent);
            const dIn = t.config.dIn;
            const rowsOf = new Float32Array(ids.length * dIn);
            ids.forEach((k, j) => rowsOf.set(t.weights.W_dec.subarray(k * dIn, (k + 1) * dIn), j * dIn));
            const { profile } = await saeFeatureTrajectories(model.gpu, t.dynamics, rowsOf, ids.length);
            return { best, imageMax, f, R, profile };
          });
          await storage.write(
            t.files.activations,
            serializeSafetensors(
              { image_max: { dtype: 'F32', shape: [heldout.length, m], data: imageMax }, images: { dtype: 'U32', shape: [heldout.length], data: Uint32Array.from(heldout) } },
              { kind: 'study-activations', what: 'image_max[n, k]: max over positions (and steps, per-step SAEs) of latent k on held-out image images[n]' },
            ),
          );
          const bestLatents = best.map((b, j): BestLatent => {
            const members = truth.flatMap((tr, n) => (tr[b.attribute] === b.value ? [n] : []));
            const norms = Array.from(profile.subarray(j * S, (j + 1) * S));
            const at = (n: number, r: number, p: number) => f[(b.latent * R + r) * heldout.length * P + n * P + p];
            // When: H_k summed over space and the positive images; a concat latent's f does not depend on s.
            const weights = norms.map((v, s) => v * (R === 1 ? 1 : members.reduce((sum, n) => sum + Array.from({ length: P }, (_, p) => at(n, s, p)).reduce((a, c) => a + c, 0), 0)));
            const total = weights.reduce((a, c) => a + c, 0);
            const temporal = total > 0 ? weights.map((w) => w / total) : norms.map((v) => v / Math.max(1e-30, norms.reduce((a, c) => a + c, 0)));
            const com = temporal.reduce((sum, w, s) => sum + w * (s + 1), 0);
            const out: BestLatent = { ...b, temporal_com: com, temporal_com_call: interpolateCall(recordCalls, com - 1), temporal_profile: temporal };
            if (b.attribute === 'position') {
              // Where: the activation-weighted centroid of Σ_s f_k(n, p) per image, averaged over the images with this position.
              const centroids = members.flatMap((n) => {
                const a = Array.from({ length: P }, (_, p) => Array.from({ length: R }, (__, r) => at(n, r, p)).reduce((x, y) => x + y, 0));
                const sum = a.reduce((x, y) => x + y, 0);
                if (sum <= 0) return [];
                return [[a.reduce((x, v, p) => x + v * ((p % hooked.width) + 0.5), 0) / hooked.width / sum, a.reduce((y, v, p) => y + v * (Math.floor(p / hooked.width) + 0.5), 0) / hooked.height / sum]];
              });
              const cell = TOY_ATTRIBUTES.position.indexOf(b.value as (typeof TOY_ATTRIBUTES.position)[number]);
              out.true_centre = [CELL_CENTRES[cell % 3], CELL_CENTRES[Math.floor(cell / 3)]];
              if (centroids.length > 0) {
                out.centroid = [mean(centroids.map((c) => c[0])), mean(centroids.map((c) => c[1]))];
                out.centroid_error = Math.hypot(out.centroid[0] - out.true_centre[0], out.centroid[1] - out.true_centre[1]);
              }
            }
            return out;
          });
          // Heatmap examples of the method's best latents, for the report's figure.
          if (h === 0 && key === 'resid-concat') examples.push(...heatmapExamples(bestLatents, { f, R, profile, heldout, truth, images: heldout.map((n) => heldoutRgba.get(n)!), S, P, hook: hooked, recordCalls }));
          arms[key] = {
            fvu_x: row.fvuX,
            fvu_z: row.fvuZ,
            fvu_x_per_step: row.fvuXPerStep,
            fvu_z_per_step: row.fvuZPerStep,
            l0: row.l0,
            k_per_row: row.kPerRow,
            dead_percent: row.deadPercent,
            dense_percent: row.densePercent,
            files: t.files,
            best_latents: bestLatents,
            values_at_threshold: bestLatents.filter((b) => b.auroc >= options.steering.threshold).length,
            values: bestLatents.length,
            steering: [],
            ablation: [],
          };
          log(`${hook}: ${key}: FVU x ${row.fvuX.toFixed(4)}, ${arms[key].values_at_threshold}/${bestLatents.length} values with a latent of AUROC ≥ ${options.steering.threshold}`);
        }
        result.hooks[hook] = { channels: d, height: hooked.height, width: hooked.width, files: { trajectories, heldout: heldoutPath }, r2, arms };

        // 4. Steering, scored by the probe: the colour and position values where any arm has a latent of
        // AUROC ≥ the threshold, each arm with its own best latent, on the same prompts, seeds and settings.
        const targets = (STEERED_ATTRIBUTES as readonly string[])
          .flatMap((attribute) => TOY_ATTRIBUTES[attribute as (typeof STEERED_ATTRIBUTES)[number]].map((value) => ({ attribute, value })))
          .filter(({ attribute, value }) => Object.values(arms).some((a) => a.best_latents.some((b) => b.attribute === attribute && b.value === value && b.auroc >= options.steering.threshold)))
          .slice(0, options.steering.maxTargets);
        await timed('steering', async () => {
          for (const row of rows) {
            const t = trained.get(row.arm)!;
            const arm = arms[ARM_KEYS[row.arm]];
            const runs = await steerArm(model, probe, t, arm, targets, { prompts, heldout, options, calls, dir: `${dir}/${ARM_KEYS[row.arm]}`, storage, log, signal });
            arm.files.steering_runs = `${dir}/${ARM_KEYS[row.arm]}/steering-runs.json`;
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
  for (const { name, raster } of figures) await storage.write(`figures/${name}`, await png(raster));
  study.figures = figures.map((f) => `figures/${f.name}`);
  await storage.write('study.json', `${JSON.stringify(study, null, 1)}\n`);
  await storage.write('report.md', studyReport(study));
  return study;
}

// ---------------------------------------------------------------- steering

interface SteerArmContext {
  prompts: readonly AttributePrompt[];
  heldout: readonly number[];
  options: StudyOptions;
  calls: number;
  /** The arm's folder. */
  dir: string;
  storage: StudyStorage;
  log: (message: string) => void;
  signal?: AbortSignal;
}

type Trained = TrainedArm & { cfg: ReturnType<typeof toSaeFile>['cfg'] };

/**
 * Every steered and ablated image of one arm, each target value steered
 * with the arm's best latent for it. Prompts: a pool
 * of held-out prompts covering every colour and position; a target steers
 * `promptsPerTarget` of those asking for another value and is ablated on
 * half as many held-out prompts that have it. Runs go prompt by prompt, so the session's cached unsteered
 * run serves all of that prompt's targets and settings.
 */
async function steerArm(model: DiffusionModel, probe: ModelSession, t: Trained, arm: ArmResult, values: readonly { attribute: string; value: string }[], c: SteerArmContext): Promise<SteeringRun[]> {
  const { prompts, options, calls } = c;
  const { alphas, windowAlpha, promptsPerTarget } = options.steering;
  // The arm's own best latent for each target value.
  const targets = values.map((v) => arm.best_latents.find((b) => b.attribute === v.attribute && b.value === v.value)!);
  if (targets.length === 0) return [];
  const pool = steeringPool(prompts, c.heldout);
  const half = Math.ceil(calls / 2);
  const windows: Record<SteeringRun['window_name'], [number, number]> = { full: [0, calls], early: [0, half], late: [half, calls] };
  const settings: { alpha: number; window: SteeringRun['window_name'] }[] = [...alphas.map((alpha) => ({ alpha, window: 'full' as const })), { alpha: windowAlpha, window: 'early' }, { alpha: windowAlpha, window: 'late' }];
  const jobs = new Map<number, { target: BestLatent; kind: 'add' | 'ablate' }[]>();
  const assign = (n: number, job: { target: BestLatent; kind: 'add' | 'ablate' }) => jobs.set(n, [...(jobs.get(n) ?? []), job]);
  targets.forEach((target, j) => {
    const others = pool.filter((n) => prompts[n].attributes[target.attribute] !== target.value);
    for (let i = 0; i < Math.min(promptsPerTarget, others.length); i++) assign(others[(j + i) % others.length], { target, kind: 'add' });
    // Ablation on held-out prompts that have the value, pool members first.
    const owners = [...pool, ...c.heldout.filter((n) => !pool.includes(n))].filter((n) => prompts[n].attributes[target.attribute] === target.value);
    for (const n of owners.slice(0, Math.max(1, Math.ceil(promptsPerTarget / 2)))) assign(n, { target, kind: 'ablate' });
  });

  const session = new SteeringSession(model, { dynamics: t.dynamics, sae: t, cfg: t.cfg, meanActivations: t.statistics.meanActivation });
  const runs: SteeringRun[] = [];
  const read = async (image: RgbaImage): Promise<ScoredImage> => ({ image, reading: await readAttributes(probe, model.manifest, image) });
  for (const [n, list] of jobs) {
    const { prompt, seed } = prompts[n];
    const before = await read((await session.unsteered(prompt, seed, options.sampler, '', c.signal)).image);
    for (const { target, kind } of list) {
      for (const setting of kind === 'add' ? settings : [{ alpha: 1, window: 'full' as const }]) {
        const window = windows[setting.window];
        const { steered } = await session.steer(prompt, seed, options.sampler, { latents: [{ latent: target.latent, alpha: setting.alpha }], window, ablate: kind === 'ablate', signal: c.signal });
        const outcome = scoreSteering(before, await read(steered.image), target, kind);
        const file = `${c.dir}/steered/${String(n).padStart(4, '0')}-${kind}-${target.attribute}-${target.value.replace(/ /g, '-')}${kind === 'add' ? `-a${setting.alpha}-${setting.window}` : ''}.png`;
        await c.storage.write(file, await png(steered.image));
        runs.push({
          kind,
          attribute: target.attribute,
          value: target.value,
          latent: target.latent,
          alpha: setting.alpha,
          window,
          window_name: setting.window,
          image: n,
          prompt,
          seed,
          file,
          read: outcome.read,
          success: outcome.success,
          target_gain: outcome.targetGain,
          other_changed: outcome.otherChanged,
          image_change: outcome.imageChange,
          outside_change: outcome.outsideChange,
          other_probability_change: outcome.otherProbabilityChange,
        });
      }
    }
    c.log(`${c.dir}: steered prompt ${n} (${runs.length} images so far)`);
  }
  return runs;
}

/** Held-out prompts in order, each kept if it brings a colour or position not yet in the pool, until all are. */
function steeringPool(prompts: readonly AttributePrompt[], heldout: readonly number[]): number[] {
  const missing = new Set(STEERED_ATTRIBUTES.flatMap((a) => TOY_ATTRIBUTES[a].map((v) => `${a}=${v}`)));
  const pool: number[] = [];
  for (const n of heldout) {
    const keys = STEERED_ATTRIBUTES.map((a) => `${a}=${prompts[n].attributes[a]}`);
    if (!keys.some((k) => missing.has(k))) continue;
    pool.push(n);
    keys.forEach((k) => missing.delete(k));
    if (missing.size === 0) break;
  }
  return pool;
}

/** Runs grouped by target and setting, each group summarised (steering-score.ts). */
function summarize(runs: readonly SteeringRun[], arm: ArmResult, kind: 'add' | 'ablate'): (SteeringEntry | AblationEntry)[] {
  const groups = new Map<string, SteeringRun[]>();
  for (const r of runs) {
    const key = JSON.stringify([r.attribute, r.value, r.alpha, r.window_name]);
    groups.set(key, [...(groups.get(key) ?? []), r]);
  }
  return [...groups.values()].map((group) => {
    const r = group[0];
    const outcomes: SteeringOutcome[] = group.map((g) => ({
      success: g.success,
      read: g.read,
      targetGain: g.target_gain,
      otherChanged: g.other_changed,
      otherProbabilityChange: g.other_probability_change,
      imageChange: g.image_change,
      outsideChange: g.outside_change,
    }));
    const auroc = arm.best_latents.find((b) => b.attribute === r.attribute && b.value === r.value)!.auroc;
    const entry = { attribute: r.attribute, value: r.value, latent: r.latent, auroc, alpha: r.alpha, window: r.window, window_name: r.window_name, ...summarizeSteering(outcomes, kind) };
    if (kind === 'ablate') {
      const { alpha: _alpha, ...ablation } = entry;
      return ablation;
    }
    return entry;
  });
}

// ---------------------------------------------------------------- helpers

/** The ablation's SAE settings: TopK (L0 equal exactly across arms), warm-up and dead-latent window as the CLI's defaults scale them. */
function saeSettings(options: StudyOptions): Partial<SaeConfig> & Pick<SaeConfig, 'latents' | 'k' | 'batchSize'> {
  const { latents, k, batchSize, steps, lr } = options.sae;
  return {
    latents,
    k,
    batchSize,
    lr,
    activation: 'topk',
    seed: options.seed,
    warmupSteps: Math.ceil(0.05 * steps),
    metricsEvery: Math.min(50, steps),
    deadAfterTokens: Math.max(1, Math.floor((steps * batchSize) / 10)),
  };
}

/** Images `indices` of a trajectory file, [n, S, P, d] f32. */
async function readImages(reader: TrajectoryReader, indices: readonly number[]): Promise<Float32Array> {
  const size = reader.S * reader.P * reader.d;
  const out = new Float32Array(indices.length * size);
  for (const [i, n] of indices.entries()) out.set(await reader.readImages(n, n + 1), i * size);
  return out;
}

/** A trajectory file's metadata for a subset of its images. */
function subsetMeta(meta: TrajectoryMeta, indices: readonly number[]): TrajectoryMeta {
  const pick = <T>(values: readonly T[]) => indices.map((n) => values[n]);
  return {
    ...meta,
    prompts: pick(meta.prompts),
    seeds: pick(meta.seeds),
    ...(meta.sampler ? { sampler: { ...meta.sampler, negativePrompts: pick(meta.sampler.negativePrompts) } } : {}),
  };
}


/** The UNet call at fractional recorded step `position` (0..S−1), linear between recorded calls. */
function interpolateCall(recordCalls: readonly number[], position: number): number {
  const lo = Math.max(0, Math.min(recordCalls.length - 1, Math.floor(position)));
  const hi = Math.min(recordCalls.length - 1, lo + 1);
  return recordCalls[lo] + (recordCalls[hi] - recordCalls[lo]) * (position - lo);
}

function mean(values: readonly number[]): number {
  return values.reduce((a, b) => a + b, 0) / values.length;
}

async function png(image: { width: number; height: number; data: Uint8ClampedArray | Uint8Array }): Promise<Blob> {
  return new Blob([(await encodePng(image)) as Uint8Array<ArrayBuffer>], { type: 'image/png' });
}

/**
 * Heatmap strips of the method's best latents (the best colour latent and
 * the two best position latents): on the held-out image with the value
 * where the latent fires most, H_k[s, p] = f_k(n, p)·‖v_k[s]‖ (DESIGN §1.5).
 */
function heatmapExamples(
  best: readonly BestLatent[],
  c: { f: Float32Array; R: number; profile: Float32Array; heldout: readonly number[]; truth: readonly Record<string, string>[]; images: readonly RgbaImage[]; S: number; P: number; hook: { width: number; height: number }; recordCalls: readonly number[] },
): HeatmapExample[] {
  const { f, R, profile, heldout, images, S, P } = c;
  const Nh = heldout.length;
  const byAuroc = (attribute: string) => best.map((b, j) => ({ b, j })).filter(({ b }) => b.attribute === attribute).sort((x, y) => y.b.auroc - x.b.auroc);
  const chosen = [...byAuroc('color').slice(0, 1), ...byAuroc('position').slice(0, 2)];
  return chosen.map(({ b, j }) => {
    const at = (n: number, r: number, p: number) => f[(b.latent * R + r) * Nh * P + n * P + p];
    const members = c.truth.flatMap((t, n) => (t[b.attribute] === b.value ? [n] : []));
    const n = members.reduce((top, m) => (peak(at, m, R, P) > peak(at, top, R, P) ? m : top), members[0] ?? 0);
    const heat = new Float32Array(S * P);
    for (let s = 0; s < S; s++) for (let p = 0; p < P; p++) heat[s * P + p] = at(n, R === 1 ? 0 : s, p) * profile[j * S + s];
    return {
      title: `LATENT ${b.latent}: ${b.attribute} ${b.value} (AUROC ${b.auroc.toFixed(2)}), IMAGE ${heldout[n]}`,
      image: images[n],
      heat,
      gridW: c.hook.width,
      gridH: c.hook.height,
      stepLabels: c.recordCalls.map((call, s) => `S${s + 1} CALL ${call}`),
    };
  });
}

function peak(at: (n: number, r: number, p: number) => number, n: number, R: number, P: number): number {
  let max = 0;
  for (let r = 0; r < R; r++) for (let p = 0; p < P; p++) max = Math.max(max, at(n, r, p));
  return max;
}
