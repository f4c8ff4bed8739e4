import { describe, expect, it } from 'vitest';
import type { GpuContext } from '../gpu/context';
import { seededRandom } from '../gpu/random';
import { LatentStatistics } from '../sae/latent-statistics';
import { stepHistograms } from './step-histograms';

const BINS = 13;
const RANGE = [2e-3, 50] as const;
const LATENTS = 3;
const TOKENS = 1237;
const S = 7;

/** Seeded CSR firings of LATENTS latents over TOKENS tokens, some outside RANGE (the open end bins). */
function firings(seed: number) {
  const random = seededRandom(seed);
  const rowStart = [0];
  const latent: number[] = [];
  const value: number[] = [];
  for (let t = 0; t < TOKENS; t++) {
    for (let k = 0; k < LATENTS; k++) {
      if (random() < 0.4) continue;
      latent.push(k);
      // Log-uniform over [1e-4, 1e3]: past both ends of RANGE.
      value.push(Math.fround(10 ** (-4 + 7 * random())));
    }
    rowStart.push(latent.length);
  }
  return { rowStart: Uint32Array.from(rowStart), latent: Uint32Array.from(latent), value: Float32Array.from(value) };
}

/** Step s's histogram by definition: every H = f·‖v_k[s]‖ in float64, binned by a linear scan of the scaled edges (end bins open). */
function bruteForce(values: readonly number[], edges: ArrayLike<number>, norm: number): number[] {
  const scaled = Array.from(edges, (e) => e * norm);
  const counts = new Array<number>(BINS).fill(0);
  for (const f of values) {
    const h = f * norm;
    let bin = 0;
    for (let b = 1; b < BINS; b++) if (scaled[b] <= h) bin = b;
    counts[bin]++;
  }
  return counts;
}

describe('stepHistograms', () => {
  it('equals the histogram of H_k[s, p] = f_k(n, p)·‖v_k[s]‖ counted token by token in float64', () => {
    const { rowStart, latent, value } = firings(7);
    // The overall histogram exactly as the statistics pass bins it (addEntries works on the CPU lists; no GPU needed).
    const stats = new LatentStatistics(undefined as unknown as GpuContext, LATENTS, { histogramBins: BINS, histogramRange: RANGE });
    stats.addEntries(rowStart, latent, value, 0);
    const { edges, counts } = stats.result().histogram;
    const random = seededRandom(11);
    const profile = Float32Array.from({ length: LATENTS * S }, () => 0.05 + 3 * random());
    for (let k = 0; k < LATENTS; k++) {
      const values = Array.from(value).filter((_, e) => latent[e] === k);
      const norms = profile.subarray(k * S, (k + 1) * S);
      const derived = stepHistograms(edges, counts.subarray(k * BINS, (k + 1) * BINS), norms);
      expect(derived).toHaveLength(S);
      derived.forEach((h, s) => {
        expect(Array.from(h.counts)).toEqual(bruteForce(values, edges, norms[s]));
        expect(Array.from(h.edges)).toEqual(Array.from(edges, (e) => e * norms[s]));
      });
      // Every firing is counted at every step, the open end bins included.
      expect(derived[0].counts.reduce((a, c) => a + c, 0)).toBe(values.length);
      expect(derived[0].counts[0]).toBeGreaterThan(0);
      expect(derived[0].counts[BINS - 1]).toBeGreaterThan(0);
    }
  });

  it('collapses a step with ‖v_k[s]‖ = 0 to edges of 0 and rejects a norm that is negative or not finite', () => {
    const edges = [1, 2, 4];
    expect(Array.from(stepHistograms(edges, [3, 5], [0, 2])[0].edges)).toEqual([0, 0, 0]);
    expect(Array.from(stepHistograms(edges, [3, 5], [0, 2])[1].edges)).toEqual([2, 4, 8]);
    expect(() => stepHistograms(edges, [3, 5], [-1])).toThrow(/‖v_k\[0\]‖ = -1/);
    expect(() => stepHistograms(edges, [3, 5], [1, Number.NaN])).toThrow(/‖v_k\[1\]‖ = NaN/);
    expect(() => stepHistograms([1, 2], [3, 5], [1])).toThrow(/2 edges for 2 bins/);
  });
});
