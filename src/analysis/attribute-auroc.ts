/**
 * How well one latent's activation separates images that have an attribute
 * value from those that do not (issue 11 §5): the AUROC of a score, which is
 * the Mann–Whitney U statistic over positives × negatives, ties counted as
 * one half (average ranks), in float64.
 */

export interface AttributeLatent {
  attribute: string;
  value: string;
  /** The latent with the highest AUROC for this value (the lowest index among equals). */
  latent: number;
  auroc: number;
  /** Images with the value, and without it. */
  positives: number;
  negatives: number;
}

/** AUROC of `scores` for `labels` (true = positive); NaN when either class is empty. */
export function auroc(scores: ArrayLike<number>, labels: ArrayLike<boolean>): number {
  const ranks = averageRanks(scores);
  let positives = 0;
  let rankSum = 0;
  for (let i = 0; i < ranks.length; i++) {
    if (!labels[i]) continue;
    positives++;
    rankSum += ranks[i];
  }
  return uFromRanks(rankSum, positives, ranks.length - positives);
}

/** 1-based ranks of the scores, tied scores sharing their mean rank. */
export function averageRanks(scores: ArrayLike<number>): Float64Array {
  const order = Array.from({ length: scores.length }, (_, i) => i).sort((a, b) => scores[a] - scores[b]);
  const ranks = new Float64Array(scores.length);
  for (let i = 0; i < order.length; ) {
    let j = i;
    while (j + 1 < order.length && scores[order[j + 1]] === scores[order[i]]) j++;
    for (let t = i; t <= j; t++) ranks[order[t]] = (i + j) / 2 + 1;
    i = j + 1;
  }
  return ranks;
}

function uFromRanks(rankSum: number, positives: number, negatives: number): number {
  if (positives === 0 || negatives === 0) return NaN;
  return (rankSum - (positives * (positives + 1)) / 2) / (positives * negatives);
}

/**
 * For every attribute value, the latent whose per-image score (e.g. the
 * image's maximum activation) best separates the images with that value:
 * scores [N, m] row-major, truth[n] the values image n has.
 */
export function bestLatentPerValue(
  scores: Float32Array,
  N: number,
  m: number,
  truth: readonly Record<string, string>[],
  attributes: Readonly<Record<string, readonly string[]>>,
): AttributeLatent[] {
  if (scores.length !== N * m) throw new RangeError(`scores has ${scores.length} values; [N, m] = [${N}, ${m}] needs ${N * m}`);
  if (truth.length !== N) throw new RangeError(`truth lists ${truth.length} images; scores have N = ${N}`);
  // Ranks once per latent; each value then only sums its positives' ranks.
  const ranks = Array.from({ length: m }, (_, k) => averageRanks(Float64Array.from({ length: N }, (_, n) => scores[n * m + k])));
  const out: AttributeLatent[] = [];
  for (const [attribute, values] of Object.entries(attributes)) {
    for (const value of values) {
      const members = truth.flatMap((t, n) => (t[attribute] === value ? [n] : []));
      let best = { latent: 0, auroc: -Infinity };
      for (let k = 0; k < m; k++) {
        const a = uFromRanks(members.reduce((sum, n) => sum + ranks[k][n], 0), members.length, N - members.length);
        if (a > best.auroc) best = { latent: k, auroc: a };
      }
      out.push({ attribute, value, latent: best.latent, auroc: Number.isFinite(best.auroc) ? best.auroc : NaN, positives: members.length, negatives: N - members.length });
    }
  }
  return out;
}
