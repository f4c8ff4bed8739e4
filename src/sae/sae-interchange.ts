import type { DynamicsModel } from '../dynamics/dynamics-file';
import type { SaeFileConfig, SaeWeights as SaeFileWeights } from './sae-file';
import { resolveSaeConfig, type SaeActivation, type SaeConfig } from './sae-config';
import type { SaeWeights } from './sae-model';

/** Where an SAE's input came from: the trajectory hook and the dynamics that residualized it. */
export interface SaeProvenance {
  model: string;
  hook: string;
  dynamics: Pick<DynamicsModel, 'variant' | 'S' | 'd' | 'scales'>;
  /** UNet call index of each recorded step, when the trajectories came from a model run. */
  stepIndices?: readonly number[];
}

/** Our activation names → SAELens architecture names (ReLU + L1 is SAELens' "standard"). */
const ARCHITECTURE: Record<SaeActivation, SaeFileConfig['architecture']> = { batchtopk: 'batchtopk', topk: 'topk', relu: 'standard' };

/** Trained weights and their config as the file format stores them (cfg.json in SAELens style). */
export function toSaeFile(config: SaeConfig, weights: SaeWeights, provenance: SaeProvenance): SaeFileWeights {
  const { dynamics } = provenance;
  const cfg: SaeFileConfig = {
    architecture: ARCHITECTURE[config.activation],
    d_in: config.dIn,
    d_sae: config.latents,
    k: config.activation === 'relu' ? null : config.k,
    hook_name: provenance.hook,
    model_name: provenance.model,
    normalize_activations: 'block_rms',
    dtype: 'float32',
    trajectory_steps: dynamics.S,
    d_model: dynamics.d,
    residualized: dynamics.variant !== 'none',
    dynamics_variant: dynamics.variant,
    block_scales: Array.from(dynamics.scales),
    ...(provenance.stepIndices ? { step_indices: [...provenance.stepIndices] } : {}),
  };
  const file: SaeFileWeights = { cfg, W_enc: weights.W_enc, b_enc: weights.b_enc, W_dec: weights.W_dec, b_dec: weights.b_dec };
  // BatchTopK infers with one global threshold (JumpReLU form); the file stores it per latent as SAELens does.
  if (weights.threshold !== undefined) file.threshold = new Float32Array(config.latents).fill(weights.threshold);
  return file;
}

/**
 * An SAE read from a file (ours, SAELens or sparsify) as a config and weights
 * our GPU model runs. JumpReLU with one shared threshold runs as BatchTopK
 * inference; per-latent thresholds are refused with the reason.
 */
export function fromSaeFile(file: SaeFileWeights, batchSize: number): { config: SaeConfig; weights: SaeWeights } {
  const { cfg } = file;
  const threshold = file.threshold;
  const shared = threshold !== undefined && threshold.every((t) => t === threshold[0]) ? threshold[0] : undefined;
  if (threshold !== undefined && shared === undefined) {
    throw new Error(`SAE "${cfg.architecture}" has a different threshold per latent (JumpReLU); Trajectory Lab runs TopK, BatchTopK (one shared threshold) and ReLU SAEs`);
  }
  const activation: SaeActivation =
    cfg.architecture === 'standard' ? 'relu' : cfg.architecture === 'topk' && shared === undefined ? 'topk' : 'batchtopk';
  const k = Math.max(1, Math.round(cfg.k ?? 1));
  const config = resolveSaeConfig({ dIn: cfg.d_in, latents: cfg.d_sae, activation, k: Math.min(k, cfg.d_sae), batchSize });
  const weights: SaeWeights = { W_enc: file.W_enc, b_enc: file.b_enc, W_dec: file.W_dec, b_dec: file.b_dec };
  if (shared !== undefined) weights.threshold = shared;
  return { config, weights };
}
