/**
 * The SAE training step at the lab's full size, and the same step shrunk for
 * an emulated adapter by bench/linalg's rule applied to its encoder product.
 */
import { EMULATED_FLOP_BUDGET, scaledCase, type MatmulCase } from '../linalg/cases';

export interface SaeCase {
  name: string;
  /** Tokens per step. */
  batch: number;
  /** Input width S·d. */
  dIn: number;
  /** Latents m. */
  latents: number;
  /** Active latents per token. */
  k: number;
}

/** SD 1.5 at one UNet hook: S·d = 5 × 1280 = 6400 inputs, 16384 latents, k = 32, 4096 tokens a step (the paper's setting). */
export const FULL_SAE_CASE: SaeCase = { name: 'sd15', batch: 4096, dIn: 6400, latents: 16384, k: 32 };

/** The encoder product z_c [batch, dIn] · W_enc [dIn, latents]: the one dense product of our step. */
export const encoderProduct = (c: SaeCase): MatmulCase => ({ name: c.name, m: c.batch, n: c.latents, k: c.dIn, layout: 'nn' });

/**
 * The fewest active latents a scaled case keeps. With k = 1 and the tied
 * initialisation (W_enc = W_decᵀ, unit rows) the encoder gradient of the
 * first step is exactly zero, ∂L/∂pre_j = 2(ẑ − z)·w_j / V = 2(f_j − w_j·z_c) / V = 0,
 * so the check of ours against TF.js would compare rounding noise.
 */
export const MIN_SCALED_K = 4;

/**
 * The case with its encoder product shrunk to `flopBudget` (scaledCase: every
 * size divided by one power of two). k is divided too, down to MIN_SCALED_K,
 * so that the sparse work (∝ batch·k·dIn) keeps about its share of the dense
 * work (∝ batch·latents·dIn).
 */
export function scaledSaeCase(c: SaeCase, flopBudget: number): SaeCase {
  const scaled = scaledCase(encoderProduct(c), flopBudget);
  const divisor = c.batch / scaled.m;
  if (divisor === 1) return c;
  return { name: scaled.name, batch: scaled.m, dIn: scaled.k, latents: scaled.n, k: Math.min(c.k, Math.max(MIN_SCALED_K, Math.ceil(c.k / divisor))) };
}

/** The case to run: full size on a real GPU (`--full`), else scaled to the emulated budget. */
export const saeBenchCase = (full: boolean): SaeCase => (full ? FULL_SAE_CASE : scaledSaeCase(FULL_SAE_CASE, EMULATED_FLOP_BUDGET));

/**
 * The small shapes the lab trains most, run beside the SD 1.5 case at every
 * size: the planted-feature test's and the toy study's
 * 40-latent SAE (dIn 200, k 3) at batches 256 and 1024, and the toy model's
 * default hook (dIn 240) with 256 and 1024 latents. Here the step's cost is
 * selection and dispatch overhead rather than the encoder product.
 */
export const SMALL_SAE_CASES: readonly SaeCase[] = [
  { name: 'd200-m40-k3-b256', batch: 256, dIn: 200, latents: 40, k: 3 },
  { name: 'd200-m40-k3-b1024', batch: 1024, dIn: 200, latents: 40, k: 3 },
  { name: 'd240-m256-k8-b256', batch: 256, dIn: 240, latents: 256, k: 8 },
  { name: 'd240-m1024-k8-b256', batch: 256, dIn: 240, latents: 1024, k: 8 },
];

/** Every case of a run: the SD 1.5 step (full or scaled), then the small shapes. */
export const saeBenchCases = (full: boolean): SaeCase[] => [saeBenchCase(full), ...SMALL_SAE_CASES];
