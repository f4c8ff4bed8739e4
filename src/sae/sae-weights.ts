/**
 * An SAE's weights and config as the lab holds them (SAELens layout and
 * field names), and the one validation every SAE passes, whoever wrote it.
 */
import { SafetensorsError } from '../data/safetensors';
import { checkLengths } from '../data/safetensors-checks';
import { DYNAMICS_VARIANTS, type DynamicsVariant } from '../dynamics/dynamics-file';

export const SAE_ARCHITECTURES = ['topk', 'batchtopk', 'standard', 'jumprelu'] as const;
/** standard = ReLU (trained with L1); jumprelu = ReLU gated by `threshold`. */
export type SaeArchitecture = (typeof SAE_ARCHITECTURES)[number];

/** cfg.json: SAELens field names, then Trajectory Lab's own (absent in imported SAEs). */
export interface SaeFileConfig {
  architecture: SaeArchitecture;
  /** Input width; S·d for a trajectory SAE, d for a per-step one. */
  d_in: number;
  /** Number of latents m. */
  d_sae: number;
  /** Latents kept per row (topk) or per row on average over a batch (batchtopk); null otherwise. */
  k: number | null;
  hook_name: string;
  model_name: string;
  /** SAELens: "none" | "expected_average_only_in" | "constant_norm_rescale" | "layer_norm"; ours: "block_rms". */
  normalize_activations: string;
  /** Stored weight dtype, SAELens spelling ("float32", "bfloat16", …). */
  dtype: string;
  /** Recorded steps S. */
  trajectory_steps?: number;
  /** Channels d per step. */
  d_model?: number;
  /** Whether z holds dynamics residuals (false: plain concatenation). */
  residualized?: boolean;
  dynamics_variant?: DynamicsVariant;
  /** [S] per-block RMS scales z was divided by. */
  block_scales?: number[];
  /** [S] UNet call index of each recorded step (where steering applies v_k[s]). */
  step_indices?: number[];
}

export interface SaeWeights {
  cfg: SaeFileConfig;
  /** [d_in, d_sae] row-major. */
  W_enc: Float32Array;
  /** [d_sae]. */
  b_enc: Float32Array;
  /** [d_sae, d_in] row-major. */
  W_dec: Float32Array;
  /** [d_in]. */
  b_dec: Float32Array;
  /** [d_sae], JumpReLU / BatchTopK inference threshold. */
  threshold?: Float32Array;
}

export function fail(message: string): never {
  throw new SafetensorsError(message);
}

export const isPositiveInt = (v: unknown): v is number => typeof v === 'number' && Number.isSafeInteger(v) && v > 0;

export function isArchitecture(v: unknown): v is SaeArchitecture {
  return (SAE_ARCHITECTURES as readonly unknown[]).includes(v);
}

/** Checks cfg fields and every tensor length against d_in and d_sae; returns `w`. */
export function validateSaeWeights(w: SaeWeights): SaeWeights {
  const { cfg } = w;
  if (!isArchitecture(cfg.architecture)) {
    fail(`SAE cfg: architecture ${JSON.stringify(cfg.architecture)} is not supported; supported: ${SAE_ARCHITECTURES.join(', ')}`);
  }
  if (!isPositiveInt(cfg.d_in)) fail(`SAE cfg: d_in must be a positive integer, got ${JSON.stringify(cfg.d_in)}`);
  if (!isPositiveInt(cfg.d_sae)) fail(`SAE cfg: d_sae must be a positive integer, got ${JSON.stringify(cfg.d_sae)}`);
  if (cfg.architecture === 'topk' && !isPositiveInt(cfg.k)) fail(`SAE cfg: topk needs an integer k >= 1, got ${JSON.stringify(cfg.k)}`);
  if (cfg.architecture === 'batchtopk' && !(typeof cfg.k === 'number' && cfg.k > 0)) {
    fail(`SAE cfg: batchtopk needs k > 0, got ${JSON.stringify(cfg.k)}`);
  }
  if (cfg.architecture === 'jumprelu' && w.threshold === undefined) fail('SAE: jumprelu needs a threshold tensor [d_sae]');
  const { d_in, d_sae } = cfg;
  checkLengths(
    [
      ['W_enc', w.W_enc, d_in * d_sae, `[d_in, d_sae] = [${d_in}, ${d_sae}]`],
      ['b_enc', w.b_enc, d_sae, `[d_sae] = [${d_sae}]`],
      ['W_dec', w.W_dec, d_sae * d_in, `[d_sae, d_in] = [${d_sae}, ${d_in}]`],
      ['b_dec', w.b_dec, d_in, `[d_in] = [${d_in}]`],
      ['threshold', w.threshold, d_sae, `[d_sae] = [${d_sae}]`],
    ],
    (message) => fail(`SAE: ${message}`),
  );
  const S = cfg.trajectory_steps;
  const d = cfg.d_model;
  if (S !== undefined && !isPositiveInt(S)) fail(`SAE cfg: trajectory_steps must be a positive integer, got ${JSON.stringify(S)}`);
  if (d !== undefined && !isPositiveInt(d)) fail(`SAE cfg: d_model must be a positive integer, got ${JSON.stringify(d)}`);
  // d_in = d: a per-step SAE (the ablation's no-concat arms), each step of a token its own row.
  if (S !== undefined && d !== undefined && S * d !== d_in && d !== d_in) {
    fail(`SAE cfg: d_in = ${d_in} but trajectory_steps · d_model = ${S} · ${d} = ${S * d} (or d_model = ${d} for a per-step SAE)`);
  }
  if (cfg.residualized !== undefined && typeof cfg.residualized !== 'boolean') {
    fail(`SAE cfg: residualized must be true or false, got ${JSON.stringify(cfg.residualized)}`);
  }
  if (cfg.dynamics_variant !== undefined && !(DYNAMICS_VARIANTS as readonly unknown[]).includes(cfg.dynamics_variant)) {
    fail(`SAE cfg: dynamics_variant ${JSON.stringify(cfg.dynamics_variant)} is not one of ${DYNAMICS_VARIANTS.join(', ')}`);
  }
  const scales = cfg.block_scales;
  if (scales !== undefined) {
    if (!Array.isArray(scales) || !scales.every((v) => typeof v === 'number' && v > 0 && Number.isFinite(v))) {
      fail(`SAE cfg: block_scales must be positive finite numbers, got ${JSON.stringify(scales)}`);
    }
    if (S !== undefined && scales.length !== S) fail(`SAE cfg: block_scales has ${scales.length} entries; trajectory_steps = ${S}`);
  }
  const steps = cfg.step_indices;
  if (steps !== undefined) {
    if (!Array.isArray(steps) || !steps.every((v, i) => Number.isSafeInteger(v) && v >= 0 && (i === 0 || v > steps[i - 1]))) {
      fail(`SAE cfg: step_indices must be ascending non-negative integers, got ${JSON.stringify(steps)}`);
    }
    if (S !== undefined && steps.length !== S) fail(`SAE cfg: step_indices has ${steps.length} entries; trajectory_steps = ${S}`);
  }
  return w;
}
