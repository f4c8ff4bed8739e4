/**
 * A concat SAE's per-step activation histograms, derived from its overall
 * histogram rather than measured by a second pass over the tokens.
 *
 * A concat SAE gives latent k one activation f_k(n, p) per token, for the
 * token's whole trajectory; at recorded step s that firing adds
 * f_k(n, p)·v_k[s] to the activation, of size H_k[s, p] = f_k(n, p)·‖v_k[s]‖
 * (the value the heatmap draws). Multiplying every firing by the same
 * positive c_s = ‖v_k[s]‖ keeps each one in its bin once the edges are
 * multiplied by c_s too: f ≥ e ⇔ f·c_s ≥ e·c_s. So step s's histogram has the
 * overall edges × c_s and the overall counts, open end bins included (bin 0
 * also counts values below its first edge, the last bin values at or above
 * its last edge, as sae/latent-statistics.ts bins them). On a log axis the
 * steps are the same shape, shifted by log c_s: the temporal profile seen
 * through the latent's activations.
 *
 * A step with c_s = 0 gives H = 0 at every firing: its edges are all 0.
 *
 * A per-step SAE has a separate f per step, so its steps' histograms are not
 * one histogram scaled, and the overall histogram (over every (token, step)
 * row) does not say how its firings split between the steps.
 */

export interface StepHistogram {
  /** [bins + 1] ascending: the overall edges × ‖v_k[s]‖ (all 0 where ‖v_k[s]‖ = 0). */
  edges: Float64Array;
  /** [bins] the latent's overall counts (shared by every step). */
  counts: Uint32Array;
}

/**
 * Latent k's histogram of H_k[s, p] at each recorded step.
 * overallEdges: [bins + 1] the statistics' edges; overallCounts: [bins] latent
 * k's row of the overall histogram; profile: [S] latent k's ‖v_k[s]‖.
 */
export function stepHistograms(overallEdges: ArrayLike<number>, overallCounts: ArrayLike<number>, profile: ArrayLike<number>): StepHistogram[] {
  const bins = overallCounts.length;
  if (overallEdges.length !== bins + 1) throw new RangeError(`stepHistograms: ${overallEdges.length} edges for ${bins} bins; it needs ${bins + 1}`);
  const counts = Uint32Array.from(overallCounts);
  return Array.from(profile, (norm, s) => {
    if (!(norm >= 0 && Number.isFinite(norm))) throw new RangeError(`stepHistograms: ‖v_k[${s}]‖ = ${norm}, but it must be a finite norm ≥ 0`);
    return { edges: Float64Array.from(overallEdges, (e) => e * norm), counts };
  });
}
