import { describe, expect, it } from 'vitest';
import { seededRandom } from '../gpu/random';
import { testGpuAs } from '../gpu/test-gpu';
import { exclusiveScanU32 } from './exclusive-scan';

describe('exclusiveScanU32', () => {
  // A CPU adapter scans in a workgroup of 4 threads, a GPU in 64 (up to 4096 values) or 256.
  const sizes = [0, 1, 3, 5, 257, 4096, 4099];
  it.each(sizes.flatMap((n) => [[n, 'cpu'], [n, 'gpu']] as const))('n = %i on a %s: sums[i] = Σ values before i, sums[n] the total; values kept', async (n, adapter) => {
    const ctx = await testGpuAs(adapter);
    const rand = seededRandom(n + 11);
    const values = Uint32Array.from({ length: n }, () => Math.floor(rand() * 1000));
    const want = new Uint32Array(n + 1);
    for (let i = 0; i < n; i++) want[i + 1] = want[i] + values[i];
    // One spare word each side of the range checks that nothing past n is touched.
    const input = ctx.upload(Uint32Array.from([...values, 7]), 'values');
    const sums = ctx.upload(new Uint32Array(n + 2).fill(9), 'sums');
    exclusiveScanU32(ctx, input, sums, n);
    expect(Array.from(await ctx.readU32(sums))).toEqual([...want, 9]);
    expect(Array.from(await ctx.readU32(input))).toEqual([...values, 7]);
  });
});
