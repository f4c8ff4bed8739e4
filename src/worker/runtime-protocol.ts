/**
 * Messages between the page and the runtime worker, which holds the model
 * (ORT sessions, GPU device) and runs every long job — load, generate,
 * collect, fit, train — so the page never blocks. Every request carries an
 * id; every answer names the request it answers. Jobs write their results
 * into the project's OPFS folder (data/opfs-project.ts); answers carry only
 * what the page shows.
 */
import type { WasmThreadsSetting } from '../state/wasm-threads-setting';
import type { PromptEntry } from '../flows/collect-trajectories';
import type { ActivationDtype, TrajectoryMeta } from '../data/trajectory-file';
import type { DynamicsVariant } from '../dynamics/dynamics-file';
import type { ProviderName } from '../diffusion/ort-runtime';
import type { SchedulerConfig, SchedulerName } from '../diffusion/schedulers';
import type { SamplerSettings } from '../diffusion/denoise';
import type { SaeTrainingMetrics } from '../sae/train/metrics';
import type { SaeConfig } from '../sae/sae-config';

export type ProviderChoice = 'auto' | ProviderName;

export interface PixelsMessage {
  width: number;
  height: number;
  rgba: ArrayBuffer;
}

export type RuntimeRequest =
  | { type: 'load'; id: number; manifestUrl: string; provider: ProviderChoice; hook: string | 'default' | null; wasmThreads: WasmThreadsSetting }
  /** How much of a model the OPFS cache holds already. */
  | { type: 'cache-status'; id: number; manifestUrl: string }
  | { type: 'generate'; id: number; prompt: string; negativePrompt: string; seed: number; scheduler: SchedulerName; steps: number; guidance: number }
  /** Record trajectories for a project's prompt set into its folder; `resume` continues an interrupted file. */
  | { type: 'collect'; id: number; projectId: string; prompts: PromptEntry[]; sampler: SamplerSettings; recordCalls: number[]; dtype: ActivationDtype; resume: boolean }
  /** Fit each variant on the project's trajectories; the first is saved as the project's dynamics. */
  | { type: 'fit'; id: number; projectId: string; variants: DynamicsVariant[]; lambda: number | null; heldoutFraction: number }
  /** Train (or, `resume`, continue from the checkpoint) the project's SAE. */
  | { type: 'train'; id: number; projectId: string; config: SaeConfig; steps: number; checkpointEvery: number; resume: boolean }
  /** The paper's ablation on the project's trajectories: four SAEs at equal latents and L0, measured on held-out images. */
  | { type: 'ablation'; id: number; projectId: string; sae: { latents: number; k: number; batchSize: number; lr: number; seed: number; activation: SaeConfig['activation'] }; steps: number }
  /** The trained SAE's latent table (statistics, profiles, neighbours). */
  | { type: 'latents'; id: number; projectId: string }
  /** f_k(n, p) of one latent on some of the project's images. */
  | { type: 'latent-maps'; id: number; projectId: string; latent: number; images: number[] }
  /** Every latent's mean and maximum activation on every image (concept ranking, attribute AUROC). */
  | { type: 'image-activations'; id: number; projectId: string }
  /** Which latents fire for a prompt: generated with the hook recorded, every latent's activation measured. */
  | { type: 'prompt-latents'; id: number; projectId: string; prompt: string; seed: number }
  /** A prompt generated unsteered (cached) and steered with the project's SAE latents. */
  | { type: 'steer'; id: number; projectId: string; prompt: string; negativePrompt: string; seed: number; latents: { latent: number; alpha: number }[]; window: [number, number] | null; mask: Float32Array | null; ablate: boolean; conditionalOnly: boolean }
  /** Compiles, in the background, the GPU pipelines a fit or a training run of this project would use (when its page opens). */
  | { type: 'prewarm'; id: number; projectId: string; flow: 'fit'; variant: DynamicsVariant }
  | { type: 'prewarm'; id: number; projectId: string; flow: 'train'; config: SaeConfig }
  /** Ends a training run early after its current step: 'pause' keeps a checkpoint to resume, 'finish' saves the SAE as it is. */
  | { type: 'stop'; id: number; job: number; mode: 'pause' | 'finish' }
  /** Validates an artifact (trajectories, dynamics or an SAE, ours or SAELens / sparsify with its cfg.json) and copies it into the project. */
  /** `trajectories`: the shape of the project's trajectories, which a dynamics file or an SAE must fit (checked before anything is written). */
  | { type: 'import'; id: number; projectId: string; file: File; cfgJson: string | null; trajectories: { S: number; d: number } | null }
  | { type: 'cancel'; id: number };

export interface LoadedModelInfo {
  name: string;
  provider: ProviderName;
  /** Why this provider: the user's choice, or what "auto" decided. */
  providerReason: string;
  /** onnxruntime-web's wasm thread pool (its CPU kernels, for either provider) and why that many. */
  wasmThreads: { threads: number; reason: string };
  /** Whether per-step previews go through the manifest's preview decoder (else its latent → RGB map). */
  previewDecoder: boolean;
  hook: string | null;
  hooks: { path: string; channels: number; height: number; width: number; default: boolean }[];
  sampler: { scheduler: SchedulerName; steps: number; guidance: number };
  /** The scheduler's config (plain data), so the page can list a run's timesteps. */
  schedulerConfig: SchedulerConfig;
  imageSize: number;
  /** Token ids per prompt the text encoder reads. */
  contextLength: number;
  seconds: number;
}

export interface FittedVariant {
  variant: DynamicsVariant;
  lambda: number;
  r2: number[];
  r2Heldout: number[] | null;
}

/** What an imported file turned out to be, with what the page records of it. */
export type ImportedArtifact =
  | { kind: 'trajectories'; meta: TrajectoryMeta; N: number; S: number; P: number; d: number; dtype: ActivationDtype; bytes: number }
  | { kind: 'dynamics'; fitted: FittedVariant; S: number; d: number }
  | { kind: 'sae'; config: SaeConfig; source: string }
  /** A whole project (its files are now the folder of the request's project id). */
  | { kind: 'project'; record: unknown; files: number };

/** An SAE measured on a trajectory set (DESIGN §1.7; the CLI's `eval --json`). */
export interface SaeEvaluation {
  tokens: number;
  fvuZ: number;
  fvuX: number;
  fvuZPerStep: number[];
  fvuXPerStep: number[];
  l0: number;
  deadPercent: number;
  densePercent: number;
}

/** One arm of the ablation, measured on the held-out images. */
export interface AblationRowData {
  arm: string;
  kPerRow: number;
  tokens: number;
  fvuZ: number;
  fvuX: number;
  fvuXPerStep: number[];
  l0: number;
  deadPercent: number;
}

/** Every latent of a trained SAE, as the Latents page lists it (typed arrays: m can be tens of thousands). */
export interface LatentTable {
  m: number;
  S: number;
  /** Images and positions per image of the trajectories the statistics were measured on. */
  N: number;
  P: number;
  height: number;
  width: number;
  tokens: number;
  firingRate: Float64Array;
  meanActivation: Float64Array;
  /** [m, S] ‖v_k[s]‖. */
  profile: Float32Array;
  /** Statistics rows per position: 1 for a concat SAE, S for a per-step one (rows (n·P + p)·S + s). */
  rowsPerPosition: number;
  /** [m, topN] top rows (t = n·P + p for a concat SAE) and their activations. */
  topN: number;
  topToken: Uint32Array;
  topValue: Float32Array;
  topCount: Uint32Array;
  neighbours: number;
  neighbourIndex: Uint32Array;
  neighbourCosine: Float32Array;
  histogramEdges: Float64Array;
  /** [m, bins] */
  histogramCounts: Uint32Array;
  /** UNet call index of each recorded step. */
  stepIndices: number[];
  /**
   * Per latent (sae/latent-statistics.ts): spatial spread [m], images it fires on [m], and a random sample of
   * those images [m, sampleSize] (ascending, 0xffffffff pads); null for statistics measured before they were kept.
   */
  spatial: { spread: Float64Array; fireImages: Uint32Array; sampleSize: number; sample: Uint32Array } | null;
}

export interface AttributeReadingData {
  value: string;
  probabilities: Record<string, number>;
}

export type RuntimeResponse =
  | { type: 'progress'; id: number; stage: string; loaded: number; total: number | null; bytesPerSecond: number; etaSeconds: number | null }
  /** `tokenizerJson`: the model's tokenizer.json, for the prompt preview's token counts. */
  | { type: 'loaded'; id: number; info: LoadedModelInfo; tokenizerJson: string }
  | { type: 'cache-status'; id: number; total: number; cached: number; files: number; filesCached: number }
  /** After each UNet call; `preview` (latent-size RGBA) when the manifest has a preview map. `image` is the collection's image index. */
  | { type: 'step'; id: number; call: number; calls: number; preview: PixelsMessage | null; image?: number }
  | { type: 'image'; id: number; width: number; height: number; rgba: ArrayBuffer; seconds: number }
  /** A collection finished image `index` (saved as PNG in the project folder). */
  | { type: 'collected'; id: number; index: number; done: number; total: number; imagesPerSecond: number; etaSeconds: number; thumbnail: PixelsMessage }
  | { type: 'collect-done'; id: number; complete: boolean; generated: number; bytes: number }
  | { type: 'fitted'; id: number; results: FittedVariant[]; seconds: number }
  | { type: 'metrics'; id: number; metrics: SaeTrainingMetrics; steps: number }
  | { type: 'imported'; id: number; artifact: ImportedArtifact }
  | { type: 'prewarmed'; id: number; pipelines: number; seconds: number }
  | { type: 'latent-table'; id: number; table: LatentTable }
  /** [images, P] f_k(n, p), image by image in the order asked. */
  | { type: 'latent-maps'; id: number; latent: number; maps: Float32Array }
  /**
   * After 'latent-maps', on the same request: the latent's per-step histograms of H_k[s, p] = f_k(n, p)·‖v_k[s]‖
   * over every token — edges [bins + 1], counts [S, bins] — or why there are none (`reason`).
   */
  | { type: 'latent-steps'; id: number; latent: number; S: number; bins: number; edges: Float64Array; counts: Uint32Array; reason: null }
  | { type: 'latent-steps'; id: number; latent: number; reason: string }
  /**
   * After 'latent-maps', before 'latent-steps': the latents that co-fire with `latent` (flows/latent-cofiring.ts), best first,
   * measured on its firing rows in `images`, its random image sample (every image it fires on if `exhaustive`).
   */
  | { type: 'latent-cofiring'; id: number; latent: number; images: number[]; exhaustive: boolean; rows: number; index: Uint32Array; jaccard: Float64Array; conditional: Float64Array; lift: Float64Array }
  /** [m] each: mean and maximum activation over the prompt's positions. */
  | { type: 'prompt-latents'; id: number; mean: Float32Array; max: Float32Array }
  /** [N, m] row-major each. */
  | { type: 'image-activations'; id: number; N: number; m: number; mean: Float32Array; max: Float32Array }
  /** `readings`: the toy's attribute probe on both images (null for a model without a probe). */
  /** `previews`: per UNet call, the latent left by that call through the model's latent → RGB map, for both runs (null without a map). */
  | { type: 'steered'; id: number; unsteered: PixelsMessage; steered: PixelsMessage; previews: { unsteered: PixelsMessage[]; steered: PixelsMessage[] } | null; readings: { unsteered: Record<string, AttributeReadingData>; steered: Record<string, AttributeReadingData> } | null; meanActivations: number[]; callsRun: number; seconds: number }
  | { type: 'ablation-arm'; id: number; arm: string; phase: 'fit' | 'train' | 'eval'; index: number; arms: number }
  | { type: 'ablation-done'; id: number; rows: AblationRowData[]; seconds: number }
  /** `evaluation`: the finished SAE measured on every token (what `eval --json` reports), null when paused. */
  | { type: 'trained'; id: number; state: 'finished' | 'paused'; step: number; seconds: number; evaluation: SaeEvaluation | null }
  | { type: 'error'; id: number; message: string; cancelled: boolean };
