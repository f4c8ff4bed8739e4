/**
 * Configuration of the residualized temporal SAE (arXiv 2605.27813): one typed
 * object, defaults from the SAE codebases we follow (OpenAI's
 * sparse_autoencoder, sparsify, the BatchTopK paper), one validation.
 */

export const SAE_ACTIVATIONS = ['batchtopk', 'topk', 'relu'] as const;
export type SaeActivation = (typeof SAE_ACTIVATIONS)[number];

export const B_DEC_INITS = ['geometric-median', 'mean'] as const;
export type BDecInit = (typeof B_DEC_INITS)[number];

export interface SaeConfig {
  /** Input width d_in = S·d (the residualized, block-normalised trajectory z). */
  dIn: number;
  /** Number of latents m (SAELens d_sae). */
  latents: number;
  /** σ: TopK per token, BatchTopK (top batchSize·k over the whole batch), or ReLU with an L1 penalty. */
  activation: SaeActivation;
  /** Active latents per token: exactly (topk), on average over a batch (batchtopk); unused by relu. */
  k: number;
  /** relu only: weight of the L1 penalty mean_tokens Σ_j f_j (decoder rows are kept at unit norm, so the norm-weighted penalty is the same). */
  l1Coefficient: number;
  /** Dead latents used per token by the AuxK loss (OpenAI's k_aux); the default 256 is capped at `latents`. */
  auxK: number;
  /** Weight of the AuxK loss (OpenAI: 1/32). */
  auxKWeight: number;
  /** A latent is dead when it has not fired on any of the last this-many training tokens. */
  deadAfterTokens: number;
  /** A latent is dense when it fires on more than this fraction of tokens (metrics only). */
  denseFraction: number;
  /** Adam learning rate after warm-up. */
  lr: number;
  /** Steps of linear learning-rate warm-up from lr/warmupSteps to lr. */
  warmupSteps: number;
  /** Adam β1. */
  adamBeta1: number;
  /** Adam β2. */
  adamBeta2: number;
  /** Adam ε (PyTorch placement: added to √v̂). */
  adamEps: number;
  /** Tokens per training step (rows of a batch). */
  batchSize: number;
  /** Seed of the weight initialisation: the same seed and data give the same weights bit for bit. */
  seed: number;
  /** How b_dec starts: the geometric median (Weiszfeld) or the mean of the first batch. */
  bDecInit: BDecInit;
  /** Weiszfeld iterations for the geometric median. */
  geometricMedianIterations: number;
  /** batchtopk: EMA decay of the inference threshold (min kept activation per batch). */
  thresholdDecay: number;
  /** Training metrics are read back from the GPU every this-many steps (never in between). */
  metricsEvery: number;
  /** Training stops when a step's loss exceeds this multiple of the running median loss. */
  divergenceFactor: number;
}

export const SAE_DEFAULTS: Omit<SaeConfig, 'dIn' | 'latents'> = {
  activation: 'batchtopk',
  k: 32,
  l1Coefficient: 1e-3,
  auxK: 256,
  auxKWeight: 1 / 32,
  deadAfterTokens: 10_000_000,
  denseFraction: 0.1,
  lr: 2e-4,
  warmupSteps: 1000,
  adamBeta1: 0.9,
  adamBeta2: 0.999,
  adamEps: 1e-8,
  batchSize: 4096,
  seed: 0,
  bDecInit: 'geometric-median',
  geometricMedianIterations: 30,
  thresholdDecay: 0.99,
  metricsEvery: 50,
  divergenceFactor: 100,
};

/**
 * Defaults that scale with a run: short runs (tests, first looks) would
 * spend every step warming up with the 1000-step default, and a latent
 * counts as dead after a tenth of the tokens trained on (at most the
 * default 10M).
 */
export function runScaledDefaults(steps: number, batchSize: number): Pick<SaeConfig, 'warmupSteps' | 'deadAfterTokens'> {
  return {
    warmupSteps: Math.min(SAE_DEFAULTS.warmupSteps, Math.ceil(0.05 * steps)),
    deadAfterTokens: Math.max(1, Math.min(SAE_DEFAULTS.deadAfterTokens, Math.floor((steps * batchSize) / 10))),
  };
}

export class SaeConfigError extends Error {
  override name = 'SaeConfigError';
}

/** The defaults overlaid with `options`, validated; throws SaeConfigError naming every bad field. */
export function resolveSaeConfig(options: Partial<SaeConfig> & Pick<SaeConfig, 'dIn' | 'latents'>): SaeConfig {
  const config: SaeConfig = { ...SAE_DEFAULTS, auxK: Math.min(SAE_DEFAULTS.auxK, options.latents), ...options };
  const problems: string[] = [];
  const integer = (field: keyof SaeConfig, min: number, max = Number.MAX_SAFE_INTEGER) => {
    const v = config[field] as number;
    if (!Number.isInteger(v) || v < min || v > max) problems.push(`${field} = ${v}, but it must be an integer in [${min}, ${max}]`);
  };
  const real = (field: keyof SaeConfig, min: number, max: number, openMin = false, openMax = false) => {
    const v = config[field] as number;
    const ok = Number.isFinite(v) && (openMin ? v > min : v >= min) && (openMax ? v < max : v <= max);
    if (!ok) problems.push(`${field} = ${v}, but it must be a number in ${openMin ? '(' : '['}${min}, ${max}${openMax ? ')' : ']'}`);
  };
  integer('dIn', 1);
  integer('latents', 1);
  if (!SAE_ACTIVATIONS.includes(config.activation)) problems.push(`activation = "${config.activation}". Should be one of: ${SAE_ACTIVATIONS.join(', ')}`);
  integer('k', 1, config.latents);
  real('l1Coefficient', 0, Infinity, false, true);
  integer('auxK', 1, config.latents);
  real('auxKWeight', 0, Infinity, false, true);
  integer('deadAfterTokens', 1, 0xffffffff);
  real('denseFraction', 0, 1, true, false);
  real('lr', 0, Infinity, true, true);
  integer('warmupSteps', 0);
  real('adamBeta1', 0, 1, false, true);
  real('adamBeta2', 0, 1, false, true);
  real('adamEps', 0, Infinity, true, true);
  integer('batchSize', 1);
  integer('seed', 0, 0xffffffff);
  if (!B_DEC_INITS.includes(config.bDecInit)) problems.push(`bDecInit = "${config.bDecInit}". Should be one of: ${B_DEC_INITS.join(', ')}`);
  integer('geometricMedianIterations', 0);
  real('thresholdDecay', 0, 1, false, true);
  integer('metricsEvery', 1);
  real('divergenceFactor', 1, Infinity, true, true);
  if (problems.length > 0) throw new SaeConfigError(`Invalid SAE config: ${problems.join('; ')}`);
  return config;
}
