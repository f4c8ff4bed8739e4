/** The study's settings: what the `study` verb sets, and the SAE settings the four arms share. */
import type { SamplerSettings } from '../diffusion/denoise';
import type { SaeConfig } from '../sae/sae-config';

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
  /** Recorded steps S (the paper's 5). */
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

/** The ablation's SAE settings: TopK (L0 equal exactly across arms), warm-up and dead-latent window as the CLI's defaults scale them. */
export function studySaeSettings(options: StudyOptions): Partial<SaeConfig> & Pick<SaeConfig, 'latents' | 'k' | 'batchSize'> {
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
