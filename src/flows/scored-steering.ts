/**
 * Steering, scored by the model's attribute probe: each arm steers with its
 * own best latent for a target value held-out prompts that ask for another
 * value (several α, full, early and late windows), and ablates it on prompts
 * that have the value — the same prompts, seeds and settings for every arm.
 */
import { TOY_ATTRIBUTES, type AttributePrompt } from '../data/attribute-grid';
import { readAttributes } from '../diffusion/attribute-probe';
import type { DiffusionModel } from '../diffusion/diffusion-model';
import type { ModelSession } from '../diffusion/ort-runtime';
import type { RgbaImage } from '../diffusion/vae-image';
import type { DynamicsModel } from '../dynamics/dynamics-file';
import type { LatentStatisticsResult } from '../sae/latent-statistics';
import type { SaeConfig } from '../sae/sae-config';
import type { SaeFileConfig } from '../sae/sae-file';
import type { SaeWeights } from '../sae/sae-model';
import { scoreSteering, summarizeSteering, type ScoredImage, type SteeringOutcome } from '../study/steering-score';
import type { StudyOptions } from '../study/study-options';
import { pngBlob, type StudyStorage } from '../study/study-files';
import type { AblationEntry, ArmResult, BestLatent, SteeringEntry, SteeringRun } from '../study/study-results';
import { SteeringSession } from './steer-image';

/** The attributes steering targets. */
const STEERED_ATTRIBUTES = ['color', 'position'] as const;

/** The colour and position values where any arm has a latent of AUROC ≥ the threshold, at most `maxTargets`. */
export function steeringTargets(arms: readonly ArmResult[], steering: StudyOptions['steering']): { attribute: string; value: string }[] {
  return (STEERED_ATTRIBUTES as readonly string[])
    .flatMap((attribute) => TOY_ATTRIBUTES[attribute as (typeof STEERED_ATTRIBUTES)[number]].map((value) => ({ attribute, value })))
    .filter(({ attribute, value }) => arms.some((a) => a.best_latents.some((b) => b.attribute === attribute && b.value === value && b.auroc >= steering.threshold)))
    .slice(0, steering.maxTargets);
}

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

/** A trained arm as SteeringSession takes it: its SAE, the dynamics it was trained with, its file's cfg and mean activations. */
export type SteerableArm = { config: SaeConfig; weights: SaeWeights; dynamics: DynamicsModel; cfg: SaeFileConfig; statistics: Pick<LatentStatisticsResult, 'meanActivation'> };

/**
 * Every steered and ablated image of one arm, each target value steered
 * with the arm's best latent for it. Prompts: a pool
 * of held-out prompts covering every colour and position; a target steers
 * `promptsPerTarget` of those asking for another value and is ablated on
 * half as many held-out prompts that have it. Runs go prompt by prompt, so the session's cached unsteered
 * run serves all of that prompt's targets and settings.
 */
export async function steerArm(model: DiffusionModel, probe: ModelSession, t: SteerableArm, arm: ArmResult, values: readonly { attribute: string; value: string }[], c: SteerArmContext): Promise<SteeringRun[]> {
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
        await c.storage.write(file, await pngBlob(steered.image));
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
export function summarize(runs: readonly SteeringRun[], arm: ArmResult, kind: 'add' | 'ablate'): (SteeringEntry | AblationEntry)[] {
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
