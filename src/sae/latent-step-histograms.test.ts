import { describe, expect, it } from 'vitest';
import { seededRandom } from '../gpu/random';
import type { LatentStatisticsFile } from './latent-statistics-file';
import { readStepHistograms, serializeStepHistograms, stepHistogramsMatch } from './latent-step-histograms-file';
import { allStepHistogramEdges, stepHistogramEdges, StepHistograms } from './latent-step-histograms';

/** Log-spaced overall edges as latent-statistics.ts makes them (its defaults: 32 bins over [1e-3, 1e2]). */
const OVERALL = Float64Array.from({ length: 33 }, (_, i) => 1e-3 * 1e5 ** (i / 32));

/** A CSR list of `rows` tokens, each firing up to k distinct latents of m with activations spread over ~3 decades. */
function randomTokens(random: () => number, rows: number, m: number, k: number) {
  const rowStart = new Uint32Array(rows + 1);
  const latent: number[] = [];
  const value: number[] = [];
  for (let r = 0; r < rows; r++) {
    const fired = new Set<number>();
    const n = Math.floor(random() * (k + 1));
    while (fired.size < n) fired.add(Math.floor(random() * m));
    for (const j of fired) {
      latent.push(j);
      value.push(Math.fround(10 ** (random() * 3 - 2) * (0.5 + random())));
    }
    rowStart[r + 1] = latent.length;
  }
  return { rowStart, latent: Uint32Array.from(latent), value: Float32Array.from(value) };
}

/** The float64 reference: each firing, each step, H = f·‖v_k[s]‖ placed by a linear scan for the last edge ≤ H (end bins open). */
function referenceCounts(tokens: ReturnType<typeof randomTokens>, edges: Float64Array, profile: Float32Array, m: number, S: number, bins: number): Uint32Array {
  const counts = new Uint32Array(m * S * bins);
  for (let e = 0; e < tokens.latent.length; e++) {
    const k = tokens.latent[e];
    for (let s = 0; s < S; s++) {
      const h = Number(tokens.value[e]) * Number(profile[k * S + s]);
      let bin = 0;
      for (let b = 1; b < bins; b++) if (edges[k * (bins + 1) + b] <= h) bin = b;
      counts[(k * S + s) * bins + bin]++;
    }
  }
  return counts;
}

describe('stepHistogramEdges', () => {
  it("spans the latent's occupied overall bins scaled by its smallest and largest ‖v_k[s]‖, log-spaced", () => {
    const counts = new Uint32Array(32);
    counts[9] = 3;
    counts[20] = 1;
    const profile = [2.5, 0, 0.4, 1.1];
    const edges = stepHistogramEdges(OVERALL, counts, profile, 7);
    const lo = OVERALL[9] * 0.4;
    const hi = OVERALL[21] * 2.5;
    expect(edges.length).toBe(8);
    for (let i = 0; i <= 7; i++) expect(edges[i] / Math.exp(Math.log(lo) + (i / 7) * Math.log(hi / lo))).toBeCloseTo(1, 12);
    expect(edges[7]).toBe(hi);
  });

  it('gives a latent that never fired, or has no profile, a finite increasing axis', () => {
    for (const edges of [stepHistogramEdges(OVERALL, new Uint32Array(32), [1, 2]), stepHistogramEdges(OVERALL, Uint32Array.from({ length: 32 }, (_, b) => Number(b === 4)), [0, 0])]) {
      expect(edges.every(Number.isFinite)).toBe(true);
      for (let i = 1; i < edges.length; i++) expect(edges[i]).toBeGreaterThan(edges[i - 1]);
    }
  });
});

describe('StepHistograms', () => {
  it('bins every firing at every step as a float64 linear scan does, on random inputs', () => {
    const random = seededRandom(Date.now() >>> 0);
    const [m, S, bins, rows] = [13, 5, 9, 700];
    const tokens = randomTokens(random, rows, m, 4);
    const profile = Float32Array.from({ length: m * S }, () => (random() < 0.05 ? 0 : 10 ** (random() * 2 - 1)));
    // Overall counts as the statistics pass would have them, so the edges cover the data.
    const overall = new Uint32Array(m * 32);
    tokens.latent.forEach((k, e) => {
      let b = 0;
      for (let i = 1; i < 32; i++) if (OVERALL[i] <= tokens.value[e]) b = i;
      overall[k * 32 + b]++;
    });
    const edges = allStepHistogramEdges(OVERALL, overall, profile, S, bins);
    const histograms = new StepHistograms(edges, profile, S);
    // In three uneven chunks, as batches arrive.
    for (const [r0, r1] of [[0, 1], [1, 333], [333, rows]]) {
      const start = tokens.rowStart[r0];
      const rowStart = tokens.rowStart.slice(r0, r1 + 1).map((v) => v - start);
      histograms.addEntries(rowStart, tokens.latent.subarray(start, tokens.rowStart[r1]), tokens.value.subarray(start, tokens.rowStart[r1]));
    }
    const result = histograms.result();
    expect(result.tokens).toBe(rows);
    expect(Array.from(result.counts)).toEqual(Array.from(referenceCounts(tokens, edges, profile, m, S, bins)));
    // Every (latent, step) row sums to the latent's fire count; most firings land inside, not in the open end bins.
    const fire = new Uint32Array(m);
    for (const k of tokens.latent) fire[k]++;
    let inside = 0;
    for (let k = 0; k < m; k++) {
      for (let s = 0; s < S; s++) {
        const row = result.counts.subarray((k * S + s) * bins, (k * S + s + 1) * bins);
        expect(row.reduce((a, b) => a + b, 0)).toBe(fire[k]);
        inside += row.reduce((a, c, b) => a + (b > 0 && b < bins - 1 ? c : 0), 0);
      }
    }
    expect(inside).toBeGreaterThan(0.5 * tokens.latent.length * S);
  });

  it('refuses a latent outside the table', () => {
    const histograms = new StepHistograms(new Float64Array(2 * 4), new Float32Array(2 * 3).fill(1), 3);
    expect(() => histograms.addEntries(Uint32Array.of(0, 1), Uint32Array.of(2), Float32Array.of(1))).toThrow(/latent 2, but there are 2/);
  });
});

describe('step histogram file', () => {
  const [m, S, bins] = [3, 2, 4];
  const result = {
    tokens: 10,
    S,
    bins,
    edges: Float64Array.from({ length: m * (bins + 1) }, (_, i) => 0.1 * 2 ** (i % (bins + 1)) * (1 + Math.floor(i / (bins + 1)))),
    counts: Uint32Array.from([1, 0, 2, 0, 0, 3, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 5, 0, 0, 0, 0, 0, 4, 1]),
  };
  const stats = { statistics: { tokens: 10, fireCount: Uint32Array.of(3, 0, 5) }, steps: S } as unknown as LatentStatisticsFile;

  it('round-trips and matches the statistics it was measured with', async () => {
    const back = await readStepHistograms(serializeStepHistograms(result));
    expect(back.tokens).toBe(10);
    expect([back.S, back.bins]).toEqual([S, bins]);
    expect(Array.from(back.counts)).toEqual(Array.from(result.counts));
    expect(Array.from(back.edges)).toEqual(Array.from(result.edges));
    expect(stepHistogramsMatch(back, stats)).toBe(true);
  });

  it("tells a stale file by its counts: another SAE's fire counts or steps do not match", () => {
    expect(stepHistogramsMatch(result, { ...stats, statistics: { ...stats.statistics, fireCount: Uint32Array.of(3, 1, 4) } } as LatentStatisticsFile)).toBe(false);
    expect(stepHistogramsMatch(result, { ...stats, steps: 3 } as LatentStatisticsFile)).toBe(false);
  });
});
