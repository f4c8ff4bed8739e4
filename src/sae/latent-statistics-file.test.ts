import { describe, expect, it } from 'vitest';
import { SafetensorsError, SafetensorsFile, serializeSafetensors } from '../data/safetensors';
import { gaussianArray, seededRandom } from '../gpu/random';
import { testGpu } from '../gpu/test-gpu';
import { LatentStatistics } from './latent-statistics';
import { readLatentStatistics, serializeLatentStatistics, type LatentStatisticsFile } from './latent-statistics-file';

const m = 47;
const steps = 5;

/** Statistics of a random CSR stream (3 active latents per token), random neighbours and profiles. */
async function sample(seed: number): Promise<LatentStatisticsFile> {
  const rand = seededRandom(seed);
  // 120 tokens = 8 images of 15 positions.
  const stats = new LatentStatistics(await testGpu(), m, { histogramBins: 9, topN: 4, positions: 15, sampleImages: 3 });
  const rows = 120;
  const rowStart = Uint32Array.from({ length: rows + 1 }, (_, r) => 3 * r);
  const latent = new Uint32Array(3 * rows);
  for (let r = 0; r < rows; r++) {
    const picked = new Set<number>();
    // Latents 40.. never fire, so dead latents and padded top slots are in the file.
    while (picked.size < 3) picked.add(Math.floor(rand() * 40));
    latent.set([...picked].sort((a, b) => a - b), 3 * r);
  }
  const value = Float32Array.from({ length: 3 * rows }, () => Math.exp(4 * rand() - 2));
  stats.addEntries(rowStart, latent, value, 1000);
  const n = 6;
  return {
    statistics: stats.result(),
    neighbours: { n, index: Uint32Array.from({ length: m * n }, () => Math.floor(rand() * m)), cosine: gaussianArray(m * n, rand, 0.3) },
    temporalProfile: gaussianArray(m * steps, rand).map(Math.abs),
    steps,
  };
}

describe('latent statistics files', () => {
  it('round-trips every statistic exactly, with the documented tensors', async () => {
    const f = await sample(1);
    const blob = serializeLatentStatistics(f);
    expect(await readLatentStatistics(blob)).toEqual(f);
    const file = await SafetensorsFile.open(blob);
    expect(file.metadata).toEqual({ kind: 'latent-statistics', tokens: '120', positions: '15' });
    const layout = Object.fromEntries([...file.tensors.values()].map((t) => [t.name, `${t.dtype} [${t.shape.join(', ')}]`]));
    expect(layout).toEqual({
      fire_count: 'U32 [47]',
      mean_activation: 'F64 [47]',
      histogram_counts: 'U32 [47, 9]',
      histogram_edges: 'F64 [10]',
      top_token: 'U32 [47, 4]',
      top_value: 'F32 [47, 4]',
      neighbour_index: 'U32 [47, 6]',
      neighbour_cosine: 'F32 [47, 6]',
      temporal_profile: 'F32 [47, 5]',
      spatial_spread: 'F64 [47]',
      fire_images: 'U32 [47]',
      sample_image: 'U32 [47, 3]',
    });
  });

  it('reads a file from before the spatial tensors with spatial: null, and refuses half of them', async () => {
    const f = await sample(4);
    expect(f.statistics.spatial).not.toBeNull();
    const old = { ...f, statistics: { ...f.statistics, spatial: null } };
    const blob = serializeLatentStatistics(old);
    expect((await SafetensorsFile.open(blob)).metadata).toEqual({ kind: 'latent-statistics', tokens: '120' });
    expect(await readLatentStatistics(blob)).toEqual(old);
    const file = await SafetensorsFile.open(serializeLatentStatistics(f));
    const tensors = Object.fromEntries(
      await Promise.all([...file.tensors.values()].map(async (t) => [t.name, { dtype: t.dtype, shape: t.shape, data: await file.readBytes(t.name) }] as const)),
    );
    const { sample_image: _sample, ...half } = tensors;
    await expect(readLatentStatistics(serializeSafetensors(half, file.metadata))).rejects.toThrow(/spatial_spread, fire_images but not all/);
    await expect(readLatentStatistics(serializeSafetensors(tensors, { kind: 'latent-statistics', tokens: '120' }))).rejects.toThrow(/"positions" must be/);
    const spread = f.statistics.spatial!.spread.slice();
    const k = f.statistics.spatial!.fireImages.findIndex((c) => c > 0);
    spread[k] = 1.5;
    expect(() => serializeLatentStatistics({ ...f, statistics: { ...f.statistics, spatial: { ...f.statistics.spatial!, spread } } })).toThrow(new RegExp(`latent ${k}: fire_images = \\d+, spatial_spread = 1.5`));
  });

  it('reads the same from bytes that are a view at an odd offset into a larger buffer (a Node Buffer from readFileSync)', async () => {
    const f = await sample(3);
    const bytes = new Uint8Array(await serializeLatentStatistics(f).arrayBuffer());
    const larger = Buffer.alloc(bytes.length + 11);
    larger.set(bytes, 5);
    // Buffer.prototype.slice is a view, not a copy, unlike Uint8Array's.
    expect(await readLatentStatistics(larger.subarray(5, 5 + bytes.length))).toEqual(f);
  });

  it('rejects inconsistent contents when writing, naming the array', async () => {
    const f = await sample(2);
    expect(() => serializeLatentStatistics({ ...f, temporalProfile: f.temporalProfile.subarray(1) })).toThrow(/temporalProfile has 234 values; \[m, S\] needs 235/);
    expect(() => serializeLatentStatistics({ ...f, statistics: { ...f.statistics, tokens: 2 } })).toThrow(/fire_count\[\d+\] = \d+ exceeds the 2 tokens/);
  });

  it('rejects files of another kind or with mismatched shapes', async () => {
    const f = await sample(3);
    const file = await SafetensorsFile.open(serializeLatentStatistics(f));
    const tensors = Object.fromEntries(
      await Promise.all([...file.tensors.values()].map(async (t) => [t.name, { dtype: t.dtype, shape: t.shape, data: await file.readBytes(t.name) }] as const)),
    );
    await expect(readLatentStatistics(serializeSafetensors(tensors, { kind: 'dynamics', tokens: '120' }))).rejects.toThrow(/kind is "dynamics"/);
    await expect(readLatentStatistics(serializeSafetensors(tensors, { kind: 'latent-statistics' }))).rejects.toThrow(/"tokens" must be/);
    const { temporal_profile: _dropped, ...rest } = tensors;
    await expect(readLatentStatistics(serializeSafetensors(rest, file.metadata))).rejects.toThrow(/no tensor "temporal_profile"/);
    const shortProfile = { ...tensors, temporal_profile: { dtype: 'F32' as const, shape: [m - 1, steps], data: new Float32Array((m - 1) * steps) } };
    await expect(readLatentStatistics(serializeSafetensors(shortProfile, file.metadata))).rejects.toThrow(/temporal_profile has 46 rows, but fire_count has m = 47/);
    const f32Counts = { ...tensors, fire_count: { dtype: 'F32' as const, shape: [m], data: new Float32Array(m) } };
    await expect(readLatentStatistics(serializeSafetensors(f32Counts, file.metadata))).rejects.toThrow(SafetensorsError);
  });
});
