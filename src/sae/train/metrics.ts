/**
 * SAE training metrics in z-space (FVU as a ratio of sums, L0, dead and dense latents), from sums the trainer keeps
 * on the GPU and reads back every `metricsEvery` steps:
 *   FVU   = Σ‖z − ẑ‖² / Σ‖z − z̄‖² over every token of the window (a ratio of
 *           sums, z̄ the window's mean; never a mean of per-batch ratios);
 *   L0    = active (token, latent) pairs / tokens;
 *   dead  = fraction of latents idle for ≥ deadAfterTokens training tokens;
 *   dense = fraction of latents firing on more than denseFraction of the
 *           window's tokens;
 *   losses: the per-step loss terms, averaged over the window's steps.
 */

/** What one metrics window read back from the GPU holds. */
export interface MetricsWindow {
  /** Step (1-based) at the end of the window, and training tokens so far. */
  step: number;
  tokens: number;
  /** Tokens and steps in this window. */
  windowTokens: number;
  windowSteps: number;
  /** [3, dIn]: column means, column Σ(z − mean)², column Σ(ẑ − z)² over the window. */
  columns: Float32Array;
  /** Active entries over the window. */
  active: number;
  /** [latents] tokens since each latent last fired. */
  idle: Uint32Array;
  /** [latents] tokens of the window on which each latent fired. */
  fires: Uint32Array;
  /** [windowSteps, 4] the per-step LOSS_TERMS (total, reconstruction, auxK, l1), oldest first. */
  losses: Float32Array;
}

export interface SaeTrainingMetrics {
  step: number;
  tokens: number;
  /** Fraction of variance unexplained over the window's tokens. */
  fvu: number;
  /** Mean active latents per token. */
  l0: number;
  /** Fraction of latents dead (no firing over the last deadAfterTokens tokens). */
  deadFraction: number;
  /** Fraction of latents firing on more than denseFraction of the window's tokens. */
  denseFraction: number;
  /** Window means of the loss terms. */
  loss: number;
  reconstructionLoss: number;
  auxKLoss: number;
  l1Loss: number;
  /** Per-step total loss over the window, oldest first (for loss curves). */
  stepLosses: number[];
}

export function summarizeWindow(w: MetricsWindow, rules: { deadAfterTokens: number; denseFraction: number }): SaeTrainingMetrics {
  const dIn = w.columns.length / 3;
  let variance = 0;
  let error = 0;
  for (let d = 0; d < dIn; d++) {
    variance += w.columns[dIn + d];
    error += w.columns[2 * dIn + d];
  }
  const latents = w.idle.length;
  let dead = 0;
  let dense = 0;
  for (let j = 0; j < latents; j++) {
    if (w.idle[j] >= rules.deadAfterTokens) dead++;
    if (w.fires[j] > rules.denseFraction * w.windowTokens) dense++;
  }
  const mean = (term: number) => {
    let s = 0;
    for (let i = 0; i < w.windowSteps; i++) s += w.losses[4 * i + term];
    return s / w.windowSteps;
  };
  return {
    step: w.step,
    tokens: w.tokens,
    fvu: error / variance,
    l0: w.active / w.windowTokens,
    deadFraction: dead / latents,
    denseFraction: dense / latents,
    loss: mean(0),
    reconstructionLoss: mean(1),
    auxKLoss: mean(2),
    l1Loss: mean(3),
    stepLosses: Array.from({ length: w.windowSteps }, (_, i) => w.losses[4 * i]),
  };
}
