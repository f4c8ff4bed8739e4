import { describe, expect, test } from 'vitest';
import { collectFootprint, trainFootprint } from './job-footprint';

const WEBGPU_DEFAULTS = { maxStorageBufferBindingSize: 128 * 2 ** 20, maxBufferSize: 256 * 2 ** 20 };

describe('job footprints', () => {
  test('a collection of 1000 SD 1.5 images at S = 5 needs 3.28 GB, and says so when storage is short', () => {
    const shape = { N: 1000, S: 5, P: 256, d: 1280, dtype: 'F16' as const };
    const fits = collectFootprint(shape, { left: 4e9 });
    expect(fits.storageBytes).toBe(1000 * 5 * 256 * 1280 * 2);
    expect(fits.problems).toEqual([]);
    const short = collectFootprint(shape, { left: 2e9 });
    expect(short.problems).toHaveLength(1);
    expect(short.problems[0]).toMatch(/needs 3\.05 GiB of browser storage, but 1\.86 GiB is left/);
    // Replacing the project's old collection frees its bytes first.
    expect(collectFootprint(shape, { left: 2e9, replacedBytes: 1.5e9 }).problems).toEqual([]);
    expect(collectFootprint(shape, { left: null }).problems).toEqual([]);
  });

  test('training a 6400 → 16384 SAE counts parameters ×4 (weights, gradients, Adam moments) plus the batch buffers', () => {
    const config = { dIn: 6400, latents: 16384, batchSize: 4096, k: 32, auxK: 256 };
    const { gpuBytes, storageBytes, problems } = trainFootprint(config, { S: 5, d: 1280 }, WEBGPU_DEFAULTS);
    const parameters = 2 * 16384 * 6400 + 16384 + 6400;
    expect(gpuBytes).toBe(16 * parameters + 5 * 4096 * 6400 * 4 + 4096 * 16384 * 4 + 4096 * 288 * 16 + 4 * 1280 * 1280 * 4);
    expect(gpuBytes / 1e9).toBeCloseTo(4.19, 2);
    expect(storageBytes).toBe(16 * parameters);
    // 105 MB of batch fits the default 128 MiB binding.
    expect(problems).toEqual([]);
    expect(trainFootprint(config, { S: 5, d: 1280 }, WEBGPU_DEFAULTS, { left: 1e9, replacedBytes: 0.5e9 }).problems).toEqual([
      'This SAE with its checkpoint needs 3.13 GiB of browser storage, but 1.40 GiB is left: free space (delete projects) or train fewer latents.',
    ]);
  });

  test('a batch too wide for one binding names its size, the limit and the largest batch that fits', () => {
    const { problems } = trainFootprint({ dIn: 6400, latents: 16384, batchSize: 8192, k: 32, auxK: 256 }, { S: 5, d: 1280 }, WEBGPU_DEFAULTS);
    expect(problems).toEqual(['A batch of 8192 rows × 6400 values is 200 MiB in one GPU buffer binding, but this GPU binds at most 128 MiB: use a batch size of at most 5242.']);
  });
});
