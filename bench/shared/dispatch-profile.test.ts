import { describe, expect, it } from 'vitest';
import { GpuContext } from '../../src/gpu/context';
import { testGpu } from '../../src/gpu/test-gpu';
import { matmul } from '../../src/linalg/matmul';
import { profileDispatches } from './dispatch-profile';

describe('profileDispatches', () => {
  it.each(['alone', 'marginal'] as const)('%s: runs the recorded work, counts its dispatches per kernel, times each, and restores dispatch', async (timing) => {
    const ctx = await testGpu();
    // A [2, 3] · B [3, 2], then C · B' [2, 1]: two products, each an interior and an edge dispatch (matmul.ts).
    const a = ctx.upload(new Float32Array([1, 2, 3, 4, 5, 6]), 'profile.a');
    const b = ctx.upload(new Float32Array([1, 0, 0, 1, 1, 1]), 'profile.b');
    const c = ctx.createBuffer(16, 'profile.c');
    const b2 = ctx.upload(new Float32Array([1, -1]), 'profile.b2');
    const d = ctx.createBuffer(8, 'profile.d');
    const costs = await profileDispatches(
      ctx,
      async () => {
        matmul(ctx, { a, b, c, m: 2, n: 2, k: 3 });
        matmul(ctx, { a: c, b: b2, c: d, m: 2, n: 1, k: 2 });
      },
      2,
      timing,
    );
    expect(costs.map(({ kernel, count }) => ({ kernel, count }))).toEqual([{ kernel: 'matmul:main', count: 4 }]);
    expect(costs[0].msEach).toHaveLength(4);
    // The interior part of these tiny products is empty (no whole tile), so some dispatches may time at 0.
    expect(costs[0].msEach.every((ms) => ms >= 0)).toBe(true);
    // A marginal cost this small can drown in a shared machine's noise; a dispatch timed alone always takes time.
    if (timing === 'alone') expect(costs[0].msEach.some((ms) => ms > 0)).toBe(true);
    expect(costs[0].ms).toBeCloseTo(costs[0].msEach.reduce((a, b) => a + b, 0));
    // C = [[4, 5], [10, 11]], D = C · [1, −1]ᵀ; the replays recompute the same values.
    expect(Array.from(await ctx.readF32(c))).toEqual([4, 5, 10, 11]);
    expect(Array.from(await ctx.readF32(d))).toEqual([-1, -1]);
    expect(ctx.dispatch).toBe(GpuContext.prototype.dispatch);
    for (const buffer of [a, b, c, b2, d]) buffer.destroy();
  });
});
