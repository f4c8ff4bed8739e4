/**
 * Per-step activation histograms of a trained SAE's latents (DESIGN §1.5,
 * issue 10: "the activation histogram, overall and per step").
 *
 * A concat SAE gives latent k one activation f_k(n, p) per token, for the
 * token's whole trajectory; at recorded step s that firing adds
 * f_k(n, p)·v_k[s] to the token's activation, of norm
 * H_k[s, p] = f_k(n, p)·‖v_k[s]‖ — the value the heatmap draws. The
 * histogram of step s counts, over the tokens where k fires, H_k[s, p] in
 * log-spaced bins shared by all of k's steps, so the steps' small multiples
 * share one x axis and a step's shift along it is the latent's temporal
 * profile seen through its activations.
 *
 * The edges of latent k follow from what the statistics pass already
 * measured: its overall histogram's occupied bins [f_lo, f_hi) scaled by its
 * smallest and largest ‖v_k[s]‖, so every firing lies inside (bar those in
 * the overall histogram's open end bins) and no bins are spent on empty
 * decades. End bins are open, as in latent-statistics.ts: bin 0 also counts
 * values below edges[0] (a step where ‖v_k[s]‖ = 0 gives H = 0), the last
 * bin values ≥ edges[bins], so each step's row sums to the latent's fire count.
 */

/** Bins per latent and step (the page draws S small multiples of these). */
export const STEP_HISTOGRAM_BINS = 20;

/**
 * Latent k's edges, [bins + 1] log-spaced.
 * overallEdges: [B + 1] the statistics' edges; overallCounts: [B] latent k's
 * row of the overall histogram; profile: [S] latent k's ‖v_k[s]‖.
 */
export function stepHistogramEdges(overallEdges: ArrayLike<number>, overallCounts: ArrayLike<number>, profile: ArrayLike<number>, bins = STEP_HISTOGRAM_BINS): Float64Array {
  const B = overallCounts.length;
  if (overallEdges.length !== B + 1) throw new RangeError(`stepHistogramEdges: ${overallEdges.length} overall edges for ${B} bins; it needs ${B + 1}`);
  if (!Number.isInteger(bins) || bins < 1) throw new RangeError(`stepHistogramEdges bins = ${bins}, but it must be an integer ≥ 1`);
  let first = 0;
  while (first < B && overallCounts[first] === 0) first++;
  let last = B - 1;
  while (last >= 0 && overallCounts[last] === 0) last--;
  // A latent that never fired: the overall range, so its (empty) plot still has an axis.
  const fLo = first < B ? overallEdges[first] : overallEdges[0];
  const fHi = first < B ? overallEdges[last + 1] : overallEdges[B];
  let cMin = Infinity;
  let cMax = 0;
  for (let s = 0; s < profile.length; s++) {
    const c = profile[s];
    if (c > 0 && Number.isFinite(c)) {
      cMin = Math.min(cMin, c);
      cMax = Math.max(cMax, c);
    }
  }
  if (cMax === 0) cMin = cMax = 1;
  const lo = fLo * cMin;
  let hi = fHi * cMax;
  if (!(hi > lo)) hi = lo * 10;
  const edges = Float64Array.from({ length: bins + 1 }, (_, i) => lo * (hi / lo) ** (i / bins));
  edges[bins] = hi;
  return edges;
}

/** Every latent's edges, [m, bins + 1]: `stepHistogramEdges` row by row. */
export function allStepHistogramEdges(overallEdges: ArrayLike<number>, overallCounts: Uint32Array, profile: Float32Array, S: number, bins = STEP_HISTOGRAM_BINS): Float64Array {
  const B = overallEdges.length - 1;
  const m = overallCounts.length / B;
  if (!Number.isInteger(m) || profile.length !== m * S) throw new RangeError(`allStepHistogramEdges: ${overallCounts.length} counts of ${B} bins and a profile of ${profile.length} values do not fit m latents × S = ${S} steps`);
  const out = new Float64Array(m * (bins + 1));
  for (let k = 0; k < m; k++) out.set(stepHistogramEdges(overallEdges, overallCounts.subarray(k * B, (k + 1) * B), profile.subarray(k * S, (k + 1) * S), bins), k * (bins + 1));
  return out;
}

export interface StepHistogramsResult {
  /** Tokens seen. */
  tokens: number;
  S: number;
  bins: number;
  /** [m, bins + 1] each latent's edges, shared by its steps. */
  edges: Float64Array;
  /** [m, S, bins] row-major; row (k, s) sums to latent k's fire count. */
  counts: Uint32Array;
}

/** Streams a concat SAE's encoded tokens (CSR lists, as latent-statistics.ts reads them back) into per-step histograms. */
export class StepHistograms {
  readonly latents: number;
  readonly bins: number;
  private tokens = 0;
  private readonly counts: Uint32Array;

  /**
   * edges: [m, bins + 1] (allStepHistogramEdges); profile: [m, S] ‖v_k[s]‖.
   */
  constructor(
    readonly edges: Float64Array,
    readonly profile: Float32Array,
    readonly S: number,
  ) {
    if (!Number.isInteger(S) || S < 1) throw new RangeError(`StepHistograms S = ${S}, but it must be an integer ≥ 1`);
    this.latents = profile.length / S;
    if (!Number.isInteger(this.latents) || this.latents < 1) throw new RangeError(`StepHistograms: a profile of ${profile.length} values is not [m, S = ${S}]`);
    this.bins = edges.length / this.latents - 1;
    if (!Number.isInteger(this.bins) || this.bins < 1) throw new RangeError(`StepHistograms: ${edges.length} edges do not make [m = ${this.latents}, bins + 1] with bins ≥ 1`);
    this.counts = new Uint32Array(this.latents * S * this.bins);
  }

  /** Adds rows rowStart.length − 1 tokens: entries rowStart[r] .. rowStart[r + 1] of latent/value are token r's firings. */
  addEntries(rowStart: Uint32Array, latent: Uint32Array, value: Float32Array): void {
    const { latents, bins, edges, profile, S, counts } = this;
    const rows = rowStart.length - 1;
    const end = rows > 0 ? rowStart[rows] : 0;
    if (end > latent.length || end > value.length) throw new RangeError(`StepHistograms.addEntries: rowStart ends at ${end}, but latent has ${latent.length} and value ${value.length} entries`);
    for (let e = rows > 0 ? rowStart[0] : 0; e < end; e++) {
      const k = latent[e];
      if (k >= latents) throw new RangeError(`StepHistograms: entry ${e} names latent ${k}, but there are ${latents}`);
      const f = value[e];
      const base = k * (bins + 1);
      for (let s = 0; s < S; s++) {
        const h = f * profile[k * S + s];
        // Bin: the number of interior edges ≤ h (binary search; the end bins stay open).
        let lo = 0;
        let hi = bins - 1;
        while (lo < hi) {
          const mid = (lo + hi + 1) >> 1;
          if (edges[base + mid] <= h) lo = mid;
          else hi = mid - 1;
        }
        counts[(k * S + s) * bins + lo]++;
      }
    }
    this.tokens += rows;
  }

  result(): StepHistogramsResult {
    return { tokens: this.tokens, S: this.S, bins: this.bins, edges: this.edges.slice(), counts: this.counts.slice() };
  }
}
