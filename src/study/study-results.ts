/**
 * What the study writes to study.json (and, per arm, steering-runs.json):
 * every number, under snake_case names, the arms keyed by their names
 * (sae/ablation-arms.ts).
 */
import type { AblationArmName } from '../sae/ablation-arms';
import type { SteeringSummary } from './steering-score';
import type { StudyOptions } from './study-options';

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
  arms: Record<AblationArmName, ArmResult>;
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

/** An arm's study.json entry before steering: the ablation's measurements (camelCase in code) and its best latents. */
export function armResult(
  row: { fvuX: number; fvuZ: number; fvuXPerStep: number[]; fvuZPerStep: number[]; l0: number; kPerRow: number; deadPercent: number; densePercent: number },
  files: ArmResult['files'],
  best: BestLatent[],
  threshold: number,
): ArmResult {
  return {
    fvu_x: row.fvuX,
    fvu_z: row.fvuZ,
    fvu_x_per_step: row.fvuXPerStep,
    fvu_z_per_step: row.fvuZPerStep,
    l0: row.l0,
    k_per_row: row.kPerRow,
    dead_percent: row.deadPercent,
    dense_percent: row.densePercent,
    files,
    best_latents: best,
    values_at_threshold: best.filter((b) => b.auroc >= threshold).length,
    values: best.length,
    steering: [],
    ablation: [],
  };
}
