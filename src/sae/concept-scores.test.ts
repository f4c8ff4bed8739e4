import { describe, expect, it } from 'vitest';
import { conceptScores, topPercent } from './concept-scores';

describe('conceptScores', () => {
  it('contrasts the mean activation on the concept’s images with the rest, scaled per step by ‖v_k[s]‖', () => {
    // 4 images × 2 latents; images 0 and 2 have the concept.
    const mean = new Float32Array([1, 0, 0, 2, 3, 0, 0, 4]);
    const profile = new Float32Array([2, 1, 1, 3]); // latent 0: [2, 1]; latent 1: [1, 3]
    const s = conceptScores(mean, 4, 2, [true, false, true, false], profile, 2);
    expect(Array.from(s.meanA)).toEqual([2, 0]);
    expect(Array.from(s.meanB)).toEqual([0, 3]);
    expect(Array.from(s.perStep)).toEqual([4, 2, -3, -9]);
  });

  it('refuses a split with an empty side', () => {
    expect(() => conceptScores(new Float32Array(2), 2, 1, [true, true], new Float32Array(1), 1)).toThrow(/2 have it and 0 do not/);
  });

  it('keeps the top percent, at least one, best first', () => {
    expect(topPercent([0.1, 0.5, 0.3, 0.5], 50)).toEqual([1, 3]);
    expect(topPercent([0.1, 0.5], 1)).toEqual([1]);
  });
});
