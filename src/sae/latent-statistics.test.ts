import { describe, expect, it } from 'vitest';
import { gaussianArray, seededRandom } from '../gpu/random';
import { testGpu } from '../gpu/test-gpu';
import { SaeEncoder } from './inference';
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
  const options = { histogramBins: bins, histogramRange, topN };

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
