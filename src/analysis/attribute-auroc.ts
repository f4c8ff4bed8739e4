/**
 * How well one latent's activation separates images that have an attribute
 * value from those that do not: the AUROC of a per-image score (e.g. the
 * image's maximum activation), which is the Mann–Whitney U statistic over
 * positives × negatives, ties counted as one half (average ranks), in
 * float64. The one AUROC of the lab: the study's best latents, the Latents
 * page's attribute tags and concept scores all come from here.
 *
 * Scores of many latents are [N, m] row-major: image n, latent k at n·m + k.
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

export interface AttributeAuroc {
  attribute: string;
  value: string;
  auroc: number;
}

/** AUROC of `scores` for `labels` (true = positive); NaN when either class is empty. */
export function auroc(scores: ArrayLike<number>, labels: ArrayLike<boolean>): number {
  return aurocFromRanks(averageRanks(scores), labels);
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

/** [m]: every latent's AUROC of its column of `scores` [N, m] for `labels` [N]. */
export function aurocPerLatent(scores: ArrayLike<number>, N: number, m: number, labels: ArrayLike<boolean>): Float64Array {
  checkShape(scores, N, m, labels.length, 'labels');
  const out = new Float64Array(m);
  for (let k = 0; k < m; k++) out[k] = aurocFromRanks(columnRanks(scores, N, m, k), labels);
  return out;
}

/**
 * One latent's AUROC for every attribute value the images have (truth[n]:
 * image n's values), best first; values that every image or no image has
 * (no AUROC) are left out. Values are listed in the order the images name them.
 */
export function latentAttributeAurocs(scores: ArrayLike<number>, N: number, m: number, latent: number, truth: readonly Readonly<Record<string, string>>[]): AttributeAuroc[] {
  checkShape(scores, N, m, truth.length, 'truth');
  if (!Number.isInteger(latent) || latent < 0 || latent >= m) throw new RangeError(`latent ${latent} is outside 0..${m - 1}`);
  const ranks = columnRanks(scores, N, m, latent);
  return attributeValueLabels(truth)
    .map(({ attribute, value, labels }) => ({ attribute, value, auroc: aurocFromRanks(ranks, labels) }))
    .filter((a) => Number.isFinite(a.auroc))
    .sort((a, b) => b.auroc - a.auroc);
}

/** For every attribute value, the latent whose column of `scores` [N, m] best separates the images with that value. */
export function bestLatentPerValue(
  scores: ArrayLike<number>,
  N: number,
  m: number,
  truth: readonly Readonly<Record<string, string>>[],
  attributes: Readonly<Record<string, readonly string[]>>,
): AttributeLatent[] {
  checkShape(scores, N, m, truth.length, 'truth');
  // Ranks once per latent; each value then only sums its positives' ranks.
  const ranks = Array.from({ length: m }, (_, k) => columnRanks(scores, N, m, k));
  const out: AttributeLatent[] = [];
  for (const [attribute, values] of Object.entries(attributes)) {
    for (const value of values) {
      const labels = truth.map((t) => t[attribute] === value);
      const positives = labels.filter(Boolean).length;
      let best = { latent: 0, auroc: -Infinity };
      for (let k = 0; k < m; k++) {
        const a = aurocFromRanks(ranks[k], labels);
        if (a > best.auroc) best = { latent: k, auroc: a };
      }
      out.push({ attribute, value, latent: best.latent, auroc: Number.isFinite(best.auroc) ? best.auroc : NaN, positives, negatives: N - positives });
    }
  }
  return out;
}

/** Every attribute value the images have, in the order they name them, with which images have it (labels[n]). */
export function attributeValueLabels(truth: readonly Readonly<Record<string, string>>[]): { attribute: string; value: string; labels: boolean[] }[] {
  const values = new Map<string, { attribute: string; value: string; labels: boolean[] }>();
  truth.forEach((t, n) => {
    for (const [attribute, value] of Object.entries(t)) {
      const key = `${attribute}=${value}`;
      if (!values.has(key)) values.set(key, { attribute, value, labels: new Array(truth.length).fill(false) });
      values.get(key)!.labels[n] = true;
    }
  });
  return [...values.values()];
}

/** Average ranks of latent k's column of `scores` [N, m]. */
export function columnRanks(scores: ArrayLike<number>, N: number, m: number, k: number): Float64Array {
  return averageRanks(Float64Array.from({ length: N }, (_, n) => scores[n * m + k]));
}

/** U / (positives·negatives) from the positives' rank sum (ranks: averageRanks of the scores); NaN when either class is empty. */
export function aurocFromRanks(ranks: Float64Array, labels: ArrayLike<boolean>): number {
  let positives = 0;
  let rankSum = 0;
  for (let i = 0; i < ranks.length; i++) {
    if (!labels[i]) continue;
    positives++;
    rankSum += ranks[i];
  }
  const negatives = ranks.length - positives;
  if (positives === 0 || negatives === 0) return NaN;
  return (rankSum - (positives * (positives + 1)) / 2) / (positives * negatives);
}

function checkShape(scores: ArrayLike<number>, N: number, m: number, images: number, what: string): void {
  if (scores.length !== N * m) throw new RangeError(`scores has ${scores.length} values; [N, m] = [${N}, ${m}] needs ${N * m}`);
  if (images !== N) throw new RangeError(`${what} lists ${images} images; scores have N = ${N}`);
}
