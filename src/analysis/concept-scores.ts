/**
 * Latents for a concept: images split into A (with the concept) and B (the
 * rest); each latent's mean activation on A's images and on B's, and its
 * contrastive score per recorded step, (mean_A − mean_B)·‖v_k[s]‖ — the
 * difference in how much it writes into the activations at step s on the
 * concept's images, the per-timestep selection SAeUron makes — and the
 * AUROC of its per-image maximum activation for A against B: a difference of
 * means favours latents that fire strongly everywhere, while the AUROC asks
 * whether the latent fires on A's images and not on B's, whatever its scale.
 */
import { aurocPerLatent } from './attribute-auroc';

export interface ConceptScores {
  /** [m] mean of the per-image mean activation over A's images, and over B's. */
  meanA: Float64Array;
  meanB: Float64Array;
  /** [m, S] the contrastive score per recorded step. */
  perStep: Float64Array;
  /** [m] AUROC of the per-image maximum activation, A positive. */
  auroc: Float64Array;
}

/** imageMean and imageMax are [N, m] row-major (src/analysis/image-activation-summaries.ts). */
export function conceptScores(imageMean: Float32Array, imageMax: Float32Array, N: number, m: number, inA: readonly boolean[], profile: Float32Array, S: number): ConceptScores {
  const a = inA.filter(Boolean).length;
  const b = N - a;
  if (a === 0 || b === 0) throw new Error(`a concept needs images with it and without it; ${a} have it and ${b} do not`);
  const meanA = new Float64Array(m);
  const meanB = new Float64Array(m);
  for (let n = 0; n < N; n++) {
    const target = inA[n] ? meanA : meanB;
    for (let k = 0; k < m; k++) target[k] += imageMean[n * m + k];
  }
  const perStep = new Float64Array(m * S);
  for (let k = 0; k < m; k++) {
    meanA[k] /= a;
    meanB[k] /= b;
    for (let s = 0; s < S; s++) perStep[k * S + s] = (meanA[k] - meanB[k]) * profile[k * S + s];
  }
  return { meanA, meanB, perStep, auroc: aurocPerLatent(imageMax, N, m, inA) };
}

/** The latents in the top `percent` % by score (at least one), best first. */
export function topPercent(scores: ArrayLike<number>, percent: number): number[] {
  const order = Array.from({ length: scores.length }, (_, k) => k).sort((x, y) => scores[y] - scores[x] || x - y);
  return order.slice(0, Math.max(1, Math.ceil((order.length * percent) / 100)));
}
