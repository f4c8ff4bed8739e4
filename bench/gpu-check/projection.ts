/**
 * The paper's study on this GPU, from measured parts: 1000 images × 25
 * guided UNet calls with capture at S = 5, the full dynamics fit (the
 * covariance products over every token; the d × d solves are small beside
 * them), and a 6400 → 16384 SAE trained on every token for one epoch.
 * Goal: under an hour on one consumer GPU.
 */
export const STUDY = { images: 1000, steps: 25, S: 5, positions: 256, d: 1280 } as const;

export function projectStudy(m: { msPerCall: number; captureRatio: number; gramGflops: number; saeTokensPerSecond: number }) {
  const { images, steps, S, positions, d } = STUDY;
  const tokens = images * positions;
  const collectSeconds = (images * steps * m.msPerCall * m.captureRatio) / 1000;
  // Per split, S − 1 pairs (Σ_xx and Σ_yx) and the last step's Σ: 2(S − 1) + 1 Gram products of d × d over every token.
  const fitFlops = tokens * (2 * (S - 1) + 1) * d * d * 2;
  const fitSeconds = m.gramGflops > 0 ? fitFlops / (m.gramGflops * 1e9) : null;
  const saeSeconds = tokens / m.saeTokensPerSecond;
  const total = collectSeconds + (fitSeconds ?? 0) + saeSeconds;
  return { collect_s: collectSeconds, fit_s: fitSeconds, sae_epoch_s: saeSeconds, total_s: total, goal_s: 3600, tokens, images, steps, S };
}
