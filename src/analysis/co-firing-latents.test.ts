import { describe, expect, it } from 'vitest';
import type { DynamicsModel } from '../dynamics/dynamics-file';
import { seededRandom } from '../gpu/random';
import { testGpu } from '../gpu/test-gpu';
import { sampledImages } from '../sae/image-sample';
import { resolveSaeConfig } from '../sae/sae-config';
import { evaluateSae } from '../flows/evaluate-sae';
import { imageLatentActivations } from './image-latent-activations';
import { coFiringScores, countCoFiring, measureCoFiring } from './co-firing-latents';

/** Random CSR rows over m latents, each latent with its own density (some never fire). */
function randomRows(seed: number, rows: number, m: number) {
  const rand = seededRandom(seed);
  const density = Float64Array.from({ length: m }, (_, j) => (j % 9 === 8 ? 0 : 0.02 + 0.5 * rand() ** 2));
  const sets = Array.from({ length: rows }, () => Array.from({ length: m }, (_, j) => j).filter((j) => rand() < density[j]));
  const rowStart = new Uint32Array(rows + 1);
  sets.forEach((s, r) => (rowStart[r + 1] = rowStart[r] + s.length));
  return { sets, rowStart, latent: Uint32Array.from(sets.flat()) };
}

describe('co-firing scores', () => {
  const seed = Date.now() >>> 0;
  const [rows, m] = [413, 37];
  const { sets, rowStart, latent } = randomRows(seed, rows, m);
  const fireCount = Float64Array.from({ length: m }, (_, j) => sets.filter((s) => s.includes(j)).length);
  const k = fireCount.indexOf(Math.max(...fireCount));

  it('on every row equal the exact Jaccard index of the two firing sets, with P(j | k) and its lift', () => {
    // Cut into uneven batches: the counts do not depend on it.
    const cut = [0, 1, 150, 151, rows];
    const batches = cut.slice(1).map((end, i) => ({ rowStart: rowStart.slice(cut[i], end + 1).map((v) => v - rowStart[cut[i]]), latent: latent.subarray(rowStart[cut[i]], rowStart[end]) }));
    const got = coFiringScores(k, countCoFiring(batches, k, m), fireCount, rows, m);
    const Tk = new Set(sets.flatMap((s, r) => (s.includes(k) ? [r] : [])));
    const want = Array.from({ length: m }, (_, j) => {
      const Tj = new Set(sets.flatMap((s, r) => (s.includes(j) ? [r] : [])));
      const both = [...Tk].filter((r) => Tj.has(r)).length;
      const union = new Set([...Tk, ...Tj]).size;
      return { j, both, jaccard: union ? both / union : 0, conditional: both / Tk.size, lift: both / Tk.size / (Tj.size / rows) };
    })
      .filter((w) => w.j !== k && w.both > 0)
      .sort((a, b) => b.jaccard - a.jaccard || a.j - b.j);
    expect(got.rows).toBe(Tk.size);
    expect(Array.from(got.index)).toEqual(want.map((w) => w.j));
    want.forEach((w, i) => {
      expect(got.jaccard[i]).toBeCloseTo(w.jaccard, 12);
      expect(got.conditional[i]).toBeCloseTo(w.conditional, 12);
      expect(got.lift[i]).toBeCloseTo(w.lift, 10);
      expect(got.overlap[i]).toBeCloseTo(w.both, 9);
    });
    expect(want.length).toBeGreaterThan(5);
  });

  it('on a sample of rows scale P̂(j | k) to k’s fire count, keep the `limit` best, and skip latents that never fire together', () => {
    const sample = Array.from({ length: rows }, (_, r) => r).filter((r) => r % 3 === 1);
    const batch = { rowStart: new Uint32Array(sample.length + 1), latent: new Uint32Array(0) };
    let at = 0;
    const list: number[] = [];
    sample.forEach((r, i) => {
      list.push(...sets[r]);
      at += sets[r].length;
      batch.rowStart[i + 1] = at;
    });
    batch.latent = Uint32Array.from(list);
    const got = coFiringScores(k, countCoFiring([batch], k, m), fireCount, rows, 5);
    const inSample = sample.filter((r) => sets[r].includes(k));
    const want = Array.from({ length: m }, (_, j) => {
      const both = inSample.filter((r) => sets[r].includes(j)).length;
      const conditional = both / inSample.length;
      const overlap = Math.min(fireCount[k] * conditional, fireCount[j]);
      return { j, both, jaccard: overlap / (fireCount[k] + fireCount[j] - overlap), conditional };
    })
      .filter((w) => w.j !== k && w.both > 0)
      .sort((a, b) => b.jaccard - a.jaccard || a.j - b.j)
      .slice(0, 5);
    expect(Array.from(got.index)).toEqual(want.map((w) => w.j));
    want.forEach((w, i) => expect(got.jaccard[i]).toBeCloseTo(w.jaccard, 12));
    const silent = coFiringScores(k, { rows: 0, together: new Uint32Array(m) }, fireCount, rows);
    expect(silent.index.length).toBe(0);
    expect(() => coFiringScores(m, { rows: 0, together: new Uint32Array(m) }, fireCount, rows)).toThrow(/latent 37 is outside 0..36/);
  });
});

describe('spatial statistics and co-firing from real encodings', () => {
  // A concat SAE and a per-step one (S rows per token), on odd sizes.
  for (const perStep of [false, true]) {
    it(`evaluateSae's spread and sample, and measureCoFiring, equal each image's own f_k(n, p) (${perStep ? 'per-step' : 'concat'} SAE)`, async () => {
      const ctx = await testGpu();
      const [N, S, P, d, m] = [9, 3, 5, 6, 13];
      const random = seededRandom(Date.now() >>> 0);
      const values = Float32Array.from({ length: N * S * P * d }, () => random() * 2 - 1);
      const source = { N, S, P, d, readImages: async (n0: number, n1: number) => values.slice(n0 * S * P * d, n1 * S * P * d) };
      // Full random dynamics and per-step scales: the residual each token is encoded from is not a plain shift of x.
      const A = Float32Array.from({ length: (S - 1) * d * d }, () => 0.3 * (random() - 0.5));
      const b = Float32Array.from({ length: (S - 1) * d }, () => 0.2 * (random() - 0.5));
      const dynamics: DynamicsModel = { variant: 'full', lambda: 0, S, d, A, b, scales: Float32Array.from({ length: S }, (_, s) => 1 + 0.5 * s), r2: new Float32Array(S - 1) };
      const dIn = perStep ? d : S * d;
      const config = resolveSaeConfig({ dIn, latents: m, activation: 'topk', k: 3, batchSize: perStep ? 7 * S : 7 });
      const weights = { W_enc: Float32Array.from({ length: dIn * m }, () => random() - 0.5), b_enc: new Float32Array(m).fill(0.05), W_dec: Float32Array.from({ length: m * dIn }, () => random() - 0.5), b_dec: new Float32Array(dIn) };
      const sae = { config, weights };
      const { statistics } = await evaluateSae(ctx, source, dynamics, sae, { perStep });
      const spatial = statistics.spatial!;
      const R = perStep ? S : 1;

      // The reference: every image on its own, every latent's map [m, R, P]; rows (n·P + p)·R + r.
      const fires: boolean[][] = Array.from({ length: m }, () => []);
      for (let n = 0; n < N; n++) {
        const f = await imageLatentActivations(ctx, dynamics, sae, await source.readImages(n, n + 1), Array.from({ length: m }, (_, j) => j));
        for (let j = 0; j < m; j++) for (let p = 0; p < P; p++) for (let r = 0; r < R; r++) fires[j][(n * P + p) * R + r] = f[(j * R + r) * P + p] > 0;
      }
      for (let j = 0; j < m; j++) {
        const perImage = Array.from({ length: N }, (_, n) => Array.from({ length: P }, (_, p) => fires[j].slice((n * P + p) * R, (n * P + p + 1) * R).some(Boolean)).filter(Boolean).length);
        const on = perImage.filter((c) => c > 0);
        expect(spatial.fireImages[j]).toBe(on.length);
        expect(spatial.spread[j]).toBeCloseTo(on.length ? on.reduce((a, c) => a + c / P, 0) / on.length : 0, 12);
        for (const n of sampledImages(spatial.sample, j)) expect(perImage[n]).toBeGreaterThan(0);
      }

      // Co-firing of the most frequent latent on all its firing images: the exact Jaccard index of the firing sets.
      const k = statistics.fireCount.indexOf(Math.max(...statistics.fireCount));
      const images = Array.from({ length: N }, (_, n) => n).filter((n) => fires[k].slice(n * P * R, (n + 1) * P * R).some(Boolean));
      const got = await measureCoFiring(ctx, source, dynamics, sae, k, [...images].reverse(), statistics, { limit: m });
      const want = Array.from({ length: m }, (_, j) => {
        let both = 0;
        let union = 0;
        fires[j].forEach((f, t) => {
          both += f && fires[k][t] ? 1 : 0;
          union += f || fires[k][t] ? 1 : 0;
        });
        return { j, both, jaccard: both / union };
      })
        .filter((w) => w.j !== k && w.both > 0)
        .sort((a, b) => b.jaccard - a.jaccard || a.j - b.j);
      expect(got.rows).toBe(statistics.fireCount[k]);
      expect(Array.from(got.index)).toEqual(want.map((w) => w.j));
      want.forEach((w, i) => expect(got.jaccard[i]).toBeCloseTo(w.jaccard, 12));
      expect(want.length).toBeGreaterThan(0);
    });
  }
});
