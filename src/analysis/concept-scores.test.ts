import { describe, expect, it } from 'vitest';
import { seededRandom } from '../gpu/random';
import { conceptScores, topPercent } from './concept-scores';

describe('conceptScores', () => {
  it('contrasts the mean activation on the concept’s images with the rest, scaled per step by ‖v_k[s]‖', () => {
    // 4 images × 2 latents; images 0 and 2 have the concept.
    const mean = new Float32Array([1, 0, 0, 2, 3, 0, 0, 4]);
    const profile = new Float32Array([2, 1, 1, 3]); // latent 0: [2, 1]; latent 1: [1, 3]
    const max = new Float32Array([1, 0, 0, 2, 3, 0, 0, 4]);
    const s = conceptScores(mean, max, 4, 2, [true, false, true, false], profile, 2);
    expect(Array.from(s.meanA)).toEqual([2, 0]);
    expect(Array.from(s.meanB)).toEqual([0, 3]);
    expect(Array.from(s.perStep)).toEqual([4, 2, -3, -9]);
  });

  it('scores each latent by the AUROC of its image maxima: pairs (with, without) counted in float64, ties as one half', () => {
    const N = 23;
    const m = 5;
    const rand = seededRandom(7);
    const max = new Float32Array(N * m).map(() => (rand() < 0.3 ? 0 : Math.round(rand() * 4) / 2));
    const inA = Array.from({ length: N }, () => rand() < 0.4);
    const s = conceptScores(new Float32Array(N * m), max, N, m, inA, new Float32Array(m), 1);
    for (let k = 0; k < m; k++) {
      let wins = 0;
      let pairs = 0;
      for (let i = 0; i < N; i++) for (let j = 0; j < N; j++) {
        if (!inA[i] || inA[j]) continue;
        pairs++;
        const a = max[i * m + k];
        const b = max[j * m + k];
        wins += a > b ? 1 : a === b ? 0.5 : 0;
      }
      expect(s.auroc[k]).toBeCloseTo(wins / pairs, 12);
    }
  });

  it('refuses a split with an empty side', () => {
    expect(() => conceptScores(new Float32Array(2), new Float32Array(2), 2, 1, [true, true], new Float32Array(1), 1)).toThrow(/2 have it and 0 do not/);
  });

  it('keeps the top percent, at least one, best first', () => {
    expect(topPercent([0.1, 0.5, 0.3, 0.5], 50)).toEqual([1, 3]);
    expect(topPercent([0.1, 0.5], 1)).toEqual([1]);
  });
});

