/**
 * A project as the page keeps it (IndexedDB, plain data): its prompt set
 * and, per stage, the settings used and what the stage produced. The heavy
 * artifacts (trajectories, dynamics, SAE, images) are files in the
 * project's OPFS folder (data/opfs-project.ts).
 */
import type { ActivationDtype } from '../data/trajectory-file';
import type { StrengthUnit } from '../diffusion/steering-units';
import type { SamplerSettings } from '../diffusion/denoise';
import type { DynamicsVariant } from '../dynamics/dynamics-file';
import type { PromptEntry } from '../flows/collect-trajectories';
import type { SaeTrainingMetrics } from '../sae/train/metrics';
import type { SaeConfig } from '../sae/sae-config';
import type { FittedVariant } from '../dynamics/fitted-variant';
import type { SaeEvaluation } from '../sae/sae-evaluation';
import type { AblationRowData } from '../worker/jobs/ablation-job';

export interface PromptSetRecord {
  /** The file it came from (or the example set's name). */
  source: string;
  format: string;
  entries: PromptEntry[];
  /** Each prompt's known attribute values (the toy's attribute grid), for labels and AUROC later. */
  attributes?: Record<string, string>[];
  /** When it was set: later stages compare against it to know they are stale. */
  at: number;
}

export interface CollectSettings {
  manifestUrl: string;
  model: string;
  hook: string;
  /** The hooked block's shape: d channels over height × width positions. */
  channels: number;
  height: number;
  width: number;
  sampler: SamplerSettings;
  recordCalls: number[];
  dtype: ActivationDtype;
  /** null: each prompt's own seed (from the file, else its number); a number: that seed for every prompt. */
  fixedSeed: number | null;
}

export interface CollectRecord {
  settings: CollectSettings;
  /** The prompt set's `at` this collection was made from. */
  promptsAt: number;
  /** 'running' found at page start means the tab closed mid-run: the file resumes. */
  state: 'running' | 'interrupted' | 'done' | 'failed';
  done: number;
  total: number;
  bytes: number;
  seconds: number;
  reason?: string;
  /** When it completed (dynamics fitted after compare against it). */
  at: number;
}

export interface DynamicsRecord {
  variant: DynamicsVariant;
  /** null: λ chosen on held-out images. */
  lambda: number | null;
  heldoutFraction: number;
  results: FittedVariant[];
  seconds: number;
  collectAt: number;
  at: number;
}

export interface SaeRecord {
  config: SaeConfig;
  steps: number;
  checkpointEvery: number;
  state: 'running' | 'paused' | 'done' | 'failed';
  step: number;
  /** Every metrics window so far (stepLosses dropped: the curves use the window means). */
  history: Omit<SaeTrainingMetrics, 'stepLosses'>[];
  seconds: number;
  reason?: string;
  /** The finished SAE measured on every token. */
  evaluation?: SaeEvaluation;
  dynamicsAt: number;
  at: number;
}

export interface AblationRecord {
  rows: AblationRowData[];
  latents: number;
  k: number;
  steps: number;
  seconds: number;
  collectAt: number;
}

/** Steering settings saved under a name (the mask as plain numbers, one per hook position). */
export interface SteerPreset {
  name: string;
  prompt: string;
  seed: number;
  latents: number[];
  /** The shared strength; each latent's own α in `alphas` (absent in presets saved before: every latent at `alpha`). */
  alpha: number;
  alphas?: number[];
  /** What α counts (absent in presets saved before units could be chosen: m_k). */
  unit?: StrengthUnit;
  window: [number, number];
  mask: number[];
  ablate: boolean;
  conditionalOnly: boolean;
}

export interface ProjectRecord {
  id: string;
  name: string;
  created: number;
  prompts: PromptSetRecord | null;
  collect: CollectRecord | null;
  dynamics: DynamicsRecord | null;
  sae: SaeRecord | null;
  ablation?: AblationRecord;
  steerPresets?: SteerPreset[];
}

export function newProject(name: string, now = Date.now()): ProjectRecord {
  const id = `p${now.toString(36)}${Math.floor(Math.random() * 36 ** 4).toString(36)}`;
  return { id, name, created: now, prompts: null, collect: null, dynamics: null, sae: null };
}

/**
 * A project as found at page start: a job that was running when the tab
 * closed did not finish. Its collection resumes from the file; its training
 * resumes from the last checkpoint.
 */
export function afterReload(p: ProjectRecord): ProjectRecord {
  return {
    ...p,
    collect: p.collect?.state === 'running' ? { ...p.collect, state: 'interrupted' } : p.collect,
    sae: p.sae?.state === 'running' ? { ...p.sae, state: 'paused' } : p.sae,
  };
}
