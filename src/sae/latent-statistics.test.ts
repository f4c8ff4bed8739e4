import { describe, expect, it } from 'vitest';
import { gaussianArray, seededRandom } from '../gpu/random';
import { testGpu } from '../gpu/test-gpu';
import { SaeEncoder } from './inference';
import { drawImages, NO_IMAGE, sampledImages } from './image-sample';
import { LatentStatistics, NO_TOKEN, type LatentStatisticsResult } from './latent-statistics';
import { resolveSaeConfig } from './sae-config';
import { SaeModel, type SaeWeights } from './sae-model';

const dIn = 23;
const m = 53;
const k = 5;
const tokens = 300;
const topN = 6;
const bins = 12;
const histogramRange = [0.05, 20] as const;
const config = resolveSaeConfig({ dIn, latents: m, activation: 'topk', k, batchSize: tokens, seed: 1 });

function randomWeights(seed: number): SaeWeights {
  const rand = seededRandom(seed);
  return {
    W_enc: gaussianArray(dIn * m, rand, 1 / Math.sqrt(dIn)),
    b_enc: gaussianArray(m, rand, 0.1),
    W_dec: gaussianArray(m * dIn, rand),
    b_dec: gaussianArray(dIn, rand, 0.2),
  };
}

/** Tokens [tokens, dIn]: about half are copies of 24 pool rows, so exact ties between tokens are common. */
function tokenRows(seed: number): Float32Array {
  const rand = seededRandom(seed);
  const pool = gaussianArray(24 * dIn, rand);
  const z = gaussianArray(tokens * dIn, rand);
  for (let t = 0; t < tokens; t++) {
    if (rand() < 0.5) {
      const row = Math.floor(rand() * 24);
      z.set(pool.subarray(row * dIn, (row + 1) * dIn), t * dIn);
    }
  }
  return z;
}

interface Firing {
  token: number;
  value: number;
}

/** Plain float64 TopK encoder: f = TopK(ReLU((z − b_dec)·W_enc + b_enc)), ties to the lower latent; per latent its firings in token order. */
function cpuEncode(w: SaeWeights, z: Float32Array): Firing[][] {
  const lists: Firing[][] = Array.from({ length: m }, () => []);
  for (let t = 0; t < tokens; t++) {
    const pre = Array.from({ length: m }, (_, j) => {
      let acc = w.b_enc[j];
      for (let d = 0; d < dIn; d++) acc += (z[t * dIn + d] - w.b_dec[d]) * w.W_enc[d * m + j];
      return { j, acc };
    });
    pre.sort((a, b) => b.acc - a.acc || a.j - b.j);
    for (const { j, acc } of pre.slice(0, k)) if (acc > 0) lists[j].push({ token: t, value: acc });
  }
  return lists;
}

/** Encodes tokens [first, first + rows) with `encoder` (padding the batch with junk rows) and adds them. */
async function addBatch(encoder: SaeEncoder, stats: LatentStatistics, z: Float32Array, first: number, rows: number): Promise<void> {
  const ctx = await testGpu();
  const batch = gaussianArray(encoder.rows * dIn, seededRandom(first + 7), 3);
  batch.set(z.subarray(first * dIn, (first + rows) * dIn));
  const buffer = ctx.upload(batch, 'batch');
  await stats.add(await encoder.encode(buffer), first, rows);
  buffer.destroy();
}

describe('LatentStatistics', () => {
  const weights = randomWeights(3);
  const z = tokenRows(4);
  // 300 tokens = 25 images of 12 positions.
  const positions = 12;
  const options = { histogramBins: bins, histogramRange, topN, positions };

  async function streamed(batchSizes: number[], encoderRows: number): Promise<LatentStatisticsResult> {
    const ctx = await testGpu();
    const model = SaeModel.fromWeights(ctx, config, weights);
    const encoder = new SaeEncoder(ctx, model, encoderRows);
    const stats = new LatentStatistics(ctx, m, options);
    let first = 0;
    for (const rows of batchSizes) {
      await addBatch(encoder, stats, z, first, rows);
      first += rows;
    }
    expect(first).toBe(tokens);
    encoder.destroy();
    model.destroy();
    return stats.result();
  }

  let whole: Promise<LatentStatisticsResult> | undefined;
  const oneBatch = () => (whole ??= streamed([tokens], tokens));

  it('fire counts, means, histograms and top tokens match a float64 CPU encode', async () => {
    const got = await oneBatch();
    const want = cpuEncode(weights, z);
    const { edges } = got.histogram;
    expect(edges.length).toBe(bins + 1);
    expect(edges[0]).toBe(histogramRange[0]);
    expect(edges[bins]).toBe(histogramRange[1]);
    for (let b = 1; b < bins; b++) expect(Math.log(edges[b + 1] / edges[b])).toBeCloseTo(Math.log(edges[1] / edges[0]), 12);
    expect(got.tokens).toBe(tokens);

    let tiesAtCut = 0;
    for (let j = 0; j < m; j++) {
      const fired = want[j];
      expect(got.fireCount[j]).toBe(fired.length);
      expect(got.firingRate[j]).toBe(fired.length / tokens);
      const mean = fired.length ? fired.reduce((s, f) => s + f.value, 0) / fired.length : 0;
      expect(Math.abs(got.meanActivation[j] - mean)).toBeLessThan(1e-5 * Math.max(1, mean));

      // Histogram: the bin whose edges hold the value, the end bins open.
      const counts = new Uint32Array(bins);
      for (const { value } of fired) {
        let b = 0;
        while (b < bins - 1 && value >= edges[b + 1]) b++;
        counts[b]++;
      }
      expect(got.histogram.counts.subarray(j * bins, (j + 1) * bins)).toEqual(counts);

      // Top tokens: value descending, equal values by ascending token.
      const ranked = [...fired].sort((a, b) => b.value - a.value || a.token - b.token);
      const n = Math.min(topN, fired.length);
      expect(got.top.count[j]).toBe(n);
      for (let i = 0; i < topN; i++) {
        const at = j * topN + i;
        if (i < n) {
          expect(got.top.token[at]).toBe(ranked[i].token);
          expect(Math.abs(got.top.value[at] - ranked[i].value)).toBeLessThan(1e-5 * Math.max(1, ranked[i].value));
        } else {
          expect(got.top.token[at]).toBe(NO_TOKEN);
          expect(got.top.value[at]).toBe(0);
        }
      }
      if (fired.length > topN && ranked[topN - 1].value === ranked[topN].value) tiesAtCut++;

      // Spatial spread: the mean, over the images it fires on, of the fraction of their positions.
      const perImage = new Map<number, number>();
      for (const { token } of fired) perImage.set(Math.floor(token / positions), (perImage.get(Math.floor(token / positions)) ?? 0) + 1);
      const spread = perImage.size ? [...perImage.values()].reduce((acc, c) => acc + c / positions, 0) / perImage.size : 0;
      expect(got.spatial!.fireImages[j]).toBe(perImage.size);
      expect(Math.abs(got.spatial!.spread[j] - spread)).toBeLessThan(1e-12);
    }
    // The data make the tie rule decide some cuts (duplicate token rows encode identically).
    expect(tiesAtCut).toBeGreaterThan(0);
  });

  it('streaming uneven, padded batches gives the same statistics as one batch, bit for bit', async () => {
    const parts = await streamed([97, 64, 128, 11], 128);
    expect(parts).toEqual(await oneBatch());
  });

  it('counts values outside the histogram range in the open end bins and breaks ties by token', async () => {
    const ctx = await testGpu();
    const stats = new LatentStatistics(ctx, 2, { histogramBins: 4, histogramRange: [1, 16], topN: 2 });
    // Tokens 10..13; latent 0 fires on all four, latent 1 on token 12 only.
    const rowStart = Uint32Array.of(0, 1, 2, 4, 5);
    const latent = Uint32Array.of(0, 0, 0, 1, 0);
    const value = Float32Array.of(0.5, 3, 3, 100, 3);
    // Later tokens first: the tie rule must not depend on arrival order.
    stats.addEntries(rowStart.subarray(2).map((p) => p - 2), latent.subarray(2), value.subarray(2), 12);
    stats.addEntries(rowStart.subarray(0, 3), latent, value, 10);
    const r = stats.result();
    expect(r.tokens).toBe(4);
    expect(Array.from(r.histogram.edges)).toEqual([1, 2, 4, 8, 16]);
    expect(Array.from(r.histogram.counts)).toEqual([1, 3, 0, 0, 0, 0, 0, 1]);
    expect(Array.from(r.fireCount)).toEqual([4, 1]);
    expect(Array.from(r.meanActivation)).toEqual([(0.5 + 3 + 3 + 3) / 4, 100]);
    expect(Array.from(r.top.token)).toEqual([11, 12, 12, NO_TOKEN]);
    expect(Array.from(r.top.value)).toEqual([3, 3, 100, 0]);
    expect(Array.from(r.top.count)).toEqual([2, 1]);
  });

  it('rejects bad options naming the value', async () => {
    const ctx = await testGpu();
    expect(() => new LatentStatistics(ctx, m, { histogramRange: [0, 10] })).toThrow(/histogramRange = \[0, 10\]/);
    expect(() => new LatentStatistics(ctx, m, { topN: 0 })).toThrow(/topN = 0/);
    expect(() => new LatentStatistics(ctx, 0)).toThrow(/latents = 0/);
  });
});

/** A random CSR stream over N images of P positions, R rows per position: each latent fires on a random subset of rows. */
function randomStream(seed: number, N: number, P: number, R: number, m: number) {
  const rand = seededRandom(seed);
  // Latent j's own density, from never to most rows, so spreads span (0, 1].
  const density = Float64Array.from({ length: m }, (_, j) => (j % 7 === 6 ? 0 : rand() ** 2));
  const imageOn = Array.from({ length: m }, () => Array.from({ length: N }, () => rand() < 0.6));
  const rows = N * P * R;
  const rowStart = new Uint32Array(rows + 1);
  const latent: number[] = [];
  for (let t = 0; t < rows; t++) {
    const n = Math.floor(t / (P * R));
    // Latents in a shuffled order within the row: the statistics must not depend on it.
    const on = Array.from({ length: m }, (_, j) => j).filter((j) => imageOn[j][n] && rand() < density[j]);
    for (let i = on.length - 1; i > 0; i--) {
      const j = Math.floor(rand() * (i + 1));
      [on[i], on[j]] = [on[j], on[i]];
    }
    latent.push(...on);
    rowStart[t + 1] = latent.length;
  }
  const value = Float32Array.from(latent, () => 0.01 + rand());
  return { rowStart, latent: Uint32Array.from(latent), value };
}

/** Rows [a, b) of a CSR list, re-based. */
function rowsOf(csr: { rowStart: Uint32Array; latent: Uint32Array; value: Float32Array }, a: number, b: number) {
  const s = csr.rowStart[a];
  return { rowStart: csr.rowStart.slice(a, b + 1).map((v) => v - s), latent: csr.latent.subarray(s, csr.rowStart[b]), value: csr.value.subarray(s, csr.rowStart[b]) };
}

describe('LatentStatistics spatial spread and image sample', () => {
  // Odd sizes; a per-step layout (R = 3 rows per position) and a concat one.
  for (const [N, P, R, m] of [
    [13, 7, 1, 41],
    [9, 5, 3, 23],
  ]) {
    it(`spread and firing images match a float64 per-image count (N = ${N}, P = ${P}, R = ${R}, m = ${m}); uneven batches across image boundaries agree bit for bit`, async () => {
      const ctx = await testGpu();
      const seed = Date.now() >>> 0;
      const csr = randomStream(seed, N, P, R, m);
      const size = 4;
      const whole = new LatentStatistics(ctx, m, { positions: P, rowsPerPosition: R, sampleImages: size, sampleSeed: 11 });
      whole.addEntries(csr.rowStart, csr.latent, csr.value, 0);
      const got = whole.result().spatial!;

      // Reference: per latent, the set of positions it fires at in each image (any of the R rows), then the mean fraction.
      for (let j = 0; j < m; j++) {
        const positions = Array.from({ length: N }, () => new Set<number>());
        for (let t = 0; t < N * P * R; t++) {
          for (let e = csr.rowStart[t]; e < csr.rowStart[t + 1]; e++) if (csr.latent[e] === j) positions[Math.floor(t / (P * R))].add(Math.floor(t / R) % P);
        }
        const fired = positions.map((set, n) => [n, set.size] as const).filter(([, c]) => c > 0);
        const spread = fired.length ? fired.reduce((acc, [, c]) => acc + c / P, 0) / fired.length : 0;
        expect(got.fireImages[j]).toBe(fired.length);
        expect(Math.abs(got.spread[j] - spread)).toBeLessThan(1e-12);
        // The sample: firing images only, each once, ascending, all of them when they fit; NO_IMAGE pads.
        const sample = sampledImages(got.sample, j);
        expect(sample.length).toBe(Math.min(size, fired.length));
        expect(sample).toEqual([...sample].sort((a, b) => a - b));
        expect(new Set(sample).size).toBe(sample.length);
        for (const n of sample) expect(positions[n].size).toBeGreaterThan(0);
        if (fired.length <= size) expect(sample).toEqual(fired.map(([n]) => n));
        for (let i = sample.length; i < size; i++) expect(got.sample.image[j * size + i]).toBe(NO_IMAGE);
      }
      expect(got.positions).toBe(P);
      expect(got.fireImages.some((c) => c > size)).toBe(true);
      expect(got.spread.some((v) => v > 0 && v < 1)).toBe(true);

      // Batches of uneven sizes, cut inside images.
      const parts = new LatentStatistics(ctx, m, { positions: P, rowsPerPosition: R, sampleImages: size, sampleSeed: 11 });
      let first = 0;
      for (const rows of [1, 2 * P * R - 1, 5, P * R + 3, 17]) {
        const end = Math.min(first + rows, N * P * R);
        const b = rowsOf(csr, first, end);
        parts.addEntries(b.rowStart, b.latent, b.value, first);
        first = end;
      }
      const rest = rowsOf(csr, first, N * P * R);
      parts.addEntries(rest.rowStart, rest.latent, rest.value, first);
      expect(parts.result()).toEqual(whole.result());
    });
  }

  it('samples each firing image with probability size/|N_k| (reservoir over seeds), and a seed repeats its sample', async () => {
    const ctx = await testGpu();
    const [N, P, size, seeds] = [23, 3, 5, 3000];
    // Latent 0 fires on position 1 of the 17 images n with n mod 4 ≠ 3 (the others are never in its sample).
    const firing = Array.from({ length: N }, (_, n) => n).filter((n) => n % 4 !== 3);
    const rowStart = new Uint32Array(N * P + 1);
    for (let t = 0; t < N * P; t++) rowStart[t + 1] = rowStart[t] + (t % P === 1 && Math.floor(t / P) % 4 !== 3 ? 1 : 0);
    const latent = new Uint32Array(rowStart[N * P]);
    const value = new Float32Array(latent.length).fill(1);
    const hits = new Float64Array(N);
    const sampleOf = (seed: number) => {
      const stats = new LatentStatistics(ctx, 1, { positions: P, sampleImages: size, sampleSeed: seed });
      stats.addEntries(rowStart, latent, value, 0);
      return sampledImages(stats.result().spatial!.sample, 0);
    };
    for (let seed = 0; seed < seeds; seed++) for (const n of sampleOf(seed)) hits[n]++;
    const p = size / firing.length;
    // 5 standard deviations of a binomial frequency.
    const tolerance = 5 * Math.sqrt((p * (1 - p)) / seeds);
    for (let n = 0; n < N; n++) {
      if (firing.includes(n)) expect(Math.abs(hits[n] / seeds - p)).toBeLessThan(tolerance);
      else expect(hits[n]).toBe(0);
    }
    expect(sampleOf(7)).toEqual(sampleOf(7));
    expect(sampleOf(7)).not.toEqual(sampleOf(8));
  });

  it('refuses a stream that returns to an image it left, and bad spatial options', async () => {
    const ctx = await testGpu();
    const stats = new LatentStatistics(ctx, 2, { positions: 4 });
    const one = { rowStart: Uint32Array.of(0, 1, 1, 1, 1), latent: Uint32Array.of(0), value: Float32Array.of(1) };
    stats.addEntries(one.rowStart, one.latent, one.value, 0);
    stats.addEntries(one.rowStart, one.latent, one.value, 8);
    expect(() => stats.addEntries(one.rowStart, one.latent, one.value, 4)).not.toThrow();
    expect(() => stats.addEntries(one.rowStart, one.latent, one.value, 0)).toThrow(/token 0 returns to image 0/);
    expect(() => new LatentStatistics(ctx, 2, { positions: 0 })).toThrow(/positions = 0/);
    expect(() => new LatentStatistics(ctx, 2, { positions: 3, sampleImages: 0 })).toThrow(/sampleImages = 0/);
    expect(new LatentStatistics(ctx, 2).result().spatial).toBeNull();
  });
});

describe('drawImages', () => {
  it('draws distinct candidates only, uniformly over seeds, the same for a seed whatever the candidates order', () => {
    const rand = seededRandom(Date.now() >>> 0);
    const candidates = Array.from({ length: 29 }, () => Math.floor(rand() * 1000));
    const distinct = [...new Set(candidates)];
    const count = 6;
    const seeds = 4000;
    const hits = new Map<number, number>();
    for (let seed = 0; seed < seeds; seed++) {
      const drawn = drawImages(candidates, count, seed);
      expect(drawn.length).toBe(count);
      expect(new Set(drawn).size).toBe(count);
      expect(drawn).toEqual([...drawn].sort((a, b) => a - b));
      for (const n of drawn) {
        expect(distinct).toContain(n);
        hits.set(n, (hits.get(n) ?? 0) + 1);
      }
    }
    const p = count / distinct.length;
    for (const n of distinct) expect(Math.abs((hits.get(n) ?? 0) / seeds - p)).toBeLessThan(5 * Math.sqrt((p * (1 - p)) / seeds));
    expect(drawImages([...candidates].reverse(), count, 3)).toEqual(drawImages(candidates, count, 3));
    expect(drawImages(candidates, count, 3)).not.toEqual(drawImages(candidates, count, 4));
    expect(drawImages([5, 2, 5], count, 1)).toEqual([2, 5]);
    expect(drawImages([], count, 1)).toEqual([]);
    expect(() => drawImages(candidates, -1, 0)).toThrow(/count = -1/);
  });
});
