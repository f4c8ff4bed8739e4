import { describe, expect, test } from 'vitest';
import { seededRandom } from '../gpu/random';
import { auroc, aurocPerLatent, bestLatentPerValue, latentAttributeAurocs } from './attribute-auroc';
import { pairwiseAuroc as pairwise } from './test-reference';

describe('AUROC', () => {
  test('equals the pairwise count, with ties (many zeros, as TopK activations have) and odd sizes', () => {
    const random = seededRandom(7);
    for (const N of [2, 5, 17, 60]) {
      const scores = Float32Array.from({ length: N }, () => (random() < 0.4 ? 0 : Math.round(random() * 8) / 4));
      const labels = Array.from({ length: N }, (_, i) => (i < 1 ? true : i < 2 ? false : random() < 0.3));
      expect(auroc(scores, labels)).toBeCloseTo(pairwise(scores, labels), 12);
    }
    expect(auroc([1, 2, 3], [false, true, true])).toBe(1);
    expect(auroc([1, 2, 3], [true, true, false])).toBe(0);
    expect(auroc([0, 0, 0, 0], [true, false, true, false])).toBe(0.5);
    expect(auroc([1, 2], [true, true])).toBeNaN();
  });

  test('the best latent per value is the one with the highest AUROC; the lowest index wins a tie', () => {
    const random = seededRandom(3);
    const N = 30, m = 7;
    const truth = Array.from({ length: N }, (_, n) => ({ color: n % 3 === 0 ? 'red' : 'blue', size: n < 10 ? 'small' : 'large' }));
    const scores = new Float32Array(N * m);
    for (let n = 0; n < N; n++) {
      for (let k = 0; k < m; k++) scores[n * m + k] = random();
      // Latent 4 fires on red images only; latents 2 and 5 both track "small" perfectly.
      scores[n * m + 4] = truth[n].color === 'red' ? 1 + random() : 0;
      scores[n * m + 2] = scores[n * m + 5] = truth[n].size === 'small' ? 2 : 0;
    }
    const best = bestLatentPerValue(scores, N, m, truth, { color: ['red', 'blue'], size: ['small', 'large'] });
    expect(best.map((b) => [b.value, b.latent, b.positives])).toEqual([['red', 4, 10], ['blue', expect.any(Number), 20], ['small', 2, 10], ['large', expect.any(Number), 20]]);
    expect(best[0].auroc).toBe(1);
    for (const b of best) {
      const labels = truth.map((t) => t[b.attribute as 'color' | 'size'] === b.value);
      const all = Array.from({ length: m }, (_, k) => pairwise(Array.from({ length: N }, (_, n) => scores[n * m + k]), labels));
      expect(b.auroc).toBeCloseTo(Math.max(...all), 12);
      expect(b.latent).toBe(all.indexOf(Math.max(...all)));
    }
  });

  test('every latent\'s AUROC, and one latent\'s AUROC per attribute value, equal the pairwise count on fresh random scores with ties and odd sizes', () => {
    const random = seededRandom(11);
    for (const [N, m] of [[7, 3], [23, 5], [61, 9]]) {
      // Quarter-step scores with many zeros: ties within and across the classes.
      const scores = Float32Array.from({ length: N * m }, () => (random() < 0.35 ? 0 : Math.round(random() * 12) / 4));
      const truth = Array.from({ length: N }, (_, n) => ({ color: ['red', 'green', 'blue'][Math.floor(random() * 3)], size: n === 0 ? 'small' : 'large' }));
      const column = (k: number) => Array.from({ length: N }, (_, n) => scores[n * m + k]);
      const labels = truth.map((t) => t.color === 'red');
      if (!labels.some(Boolean) || labels.every(Boolean)) labels[0] = !labels[0];
      const perLatent = aurocPerLatent(scores, N, m, labels);
      for (let k = 0; k < m; k++) expect(perLatent[k]).toBeCloseTo(pairwise(column(k), labels), 12);

      const k = m - 1;
      const got = latentAttributeAurocs(scores, N, m, k, truth);
      const expected = [...new Set(truth.flatMap((t) => Object.entries(t).map(([a, v]) => `${a}=${v}`)))]
        .map((key) => {
          const [attribute, value] = key.split('=');
          const labels = truth.map((t) => t[attribute as 'color' | 'size'] === value);
          return { attribute, value, auroc: labels.every(Boolean) ? NaN : pairwise(column(k), labels) };
        })
        .filter((a) => Number.isFinite(a.auroc));
      expect(got.map((a) => `${a.attribute}=${a.value}`).sort()).toEqual(expected.map((a) => `${a.attribute}=${a.value}`).sort());
      for (const a of got) expect(a.auroc).toBeCloseTo(expected.find((e) => e.attribute === a.attribute && e.value === a.value)!.auroc, 12);
      for (let i = 1; i < got.length; i++) expect(got[i - 1].auroc).toBeGreaterThanOrEqual(got[i].auroc);
    }
    expect(() => aurocPerLatent(new Float32Array(5), 2, 3, [true, false])).toThrow(/needs 6/);
    expect(() => latentAttributeAurocs(new Float32Array(6), 2, 3, 3, [{}, {}])).toThrow(/outside 0..2/);
  });
});
