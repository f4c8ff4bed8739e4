/**
 * The matrix products the lab spends its time in, at full size, and the one
 * rule that shrinks them for an emulated adapter.
 */

/** C [m, n] = op(A)·B. 'nn': A [m, k]; 'tn': A stored [k, m] (Aᵀ·B), as in matmul.ts. */
export interface MatmulCase {
  name: string;
  m: number;
  n: number;
  k: number;
  layout: 'nn' | 'tn';
  /** For 'tn' cases: A and B are the same matrix (a Gram XᵀX). */
  gram?: boolean;
}

/** SAE training batch (tokens per step) and sizes of the paper's SD 1.5 setting: S·d = 5 × 1280 = 6400 inputs, 4096 latents. */
const BATCH = 4096;
const SAE_INPUT = 6400;
const SAE_LATENTS = 4096;
/** Channels at a UNet hook (d) and tokens per chunk of the dynamics fit's Σ_xx = XᵀX. */
const D = 1280;
const GRAM_TOKENS = 8192;

export const FULL_CASES: readonly MatmulCase[] = [
  // Encoder pre-activations: z [B, S·d] · W_enc [S·d, m].
  { name: 'sae-encode', m: BATCH, n: SAE_LATENTS, k: SAE_INPUT, layout: 'nn' },
  // Decoder: f [B, m] · W_dec [m, S·d] (dense, as in the backward pass).
  { name: 'sae-decode', m: BATCH, n: SAE_INPUT, k: SAE_LATENTS, layout: 'nn' },
  // Gram matrix of one chunk of tokens: Xᵀ X with X [N, d].
  { name: 'gram', m: D, n: D, k: GRAM_TOKENS, layout: 'tn', gram: true },
];

/**
 * FLOPs per run an emulated adapter finishes in about half a second:
 * SwiftShader computes 0.1–0.4 GFLOP/s on a few CPU cores.
 */
export const EMULATED_FLOP_BUDGET = 1e8;

export const flops = (c: MatmulCase): number => 2 * c.m * c.n * c.k;

/**
 * The case shrunk to at most `flopBudget` FLOPs with its aspect kept: every
 * size is divided by the same power of two (sizes here are multiples of 256,
 * so the division is exact up to 256), the smallest one that fits.
 */
export function scaledCase(c: MatmulCase, flopBudget: number): MatmulCase {
  let divisor = 1;
  while (flops(c) / divisor ** 3 > flopBudget) divisor *= 2;
  if (divisor === 1) return c;
  const shrink = (size: number) => Math.max(1, Math.ceil(size / divisor));
  return { ...c, name: `${c.name}/${divisor}`, m: shrink(c.m), n: shrink(c.n), k: shrink(c.k) };
}

/** The cases to run: full size on a real GPU (`--full`), else scaled to the emulated budget. */
export function benchCases(full: boolean): MatmulCase[] {
  return FULL_CASES.map((c) => (full ? c : scaledCase(c, EMULATED_FLOP_BUDGET)));
}
