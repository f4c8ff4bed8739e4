import { describe, expect, it } from 'vitest';
import type { GpuContext } from './context';
import { CPU_WORKGROUP, fittedWorkgroup, fitWorkgroups, gridStrideGroups, workgroupGrid, workgroupThreads } from './dispatch-grid';

/** Just the limit the helpers read. */
function fakeContext(maxPerDimension: number): GpuContext {
  return { device: { limits: { maxComputeWorkgroupsPerDimension: maxPerDimension } } } as unknown as GpuContext;
}

describe('fitWorkgroups', () => {
  it('keeps a grid within the limit on one row', () => {
    expect(fitWorkgroups(1, 65535)).toEqual([1, 1]);
    expect(fitWorkgroups(977, 65535)).toEqual([977, 1]);
    expect(fitWorkgroups(65535, 65535)).toEqual([65535, 1]);
  });

  it('adds rows past the limit, the last one partly used', () => {
    expect(fitWorkgroups(65536, 65535)).toEqual([65535, 2]);
    // One full 128 MiB binding of f32, one thread each in 256-thread groups (fill, Adam): two full rows, 2 groups on a third.
    expect(fitWorkgroups((128 * 2 ** 20) / 4 / 256, 65535)).toEqual([65535, 3]);
    expect(fitWorkgroups(22, 7)).toEqual([7, 4]);
  });

  it('gives an empty grid for no work', () => {
    expect(fitWorkgroups(0, 65535)).toEqual([0, 0]);
  });

  it('holds every count in the fewest rows, for odd sizes and limits', () => {
    for (const limit of [1, 2, 3, 7, 64, 65535]) {
      for (let groups = 1; groups <= 200; groups++) {
        const [x, y] = fitWorkgroups(groups, limit);
        expect(x).toBeLessThanOrEqual(limit);
        expect(x * y).toBeGreaterThanOrEqual(groups);
        expect(x * (y - 1)).toBeLessThan(groups);
      }
    }
  });

  it('names the bad argument', () => {
    expect(() => fitWorkgroups(-1, 65535)).toThrow(/groups = -1, but it must be an integer ≥ 0/);
    expect(() => fitWorkgroups(2.5, 65535)).toThrow(/groups = 2.5/);
    expect(() => fitWorkgroups(Number.NaN, 65535)).toThrow(/groups = NaN/);
    expect(() => fitWorkgroups(4, 0)).toThrow(/maxPerDimension = 0, but it must be an integer ≥ 1/);
  });
});

describe('the kernel contracts', () => {
  it('workgroupGrid: wid.y · x + wid.x reaches each workgroup once', () => {
    const ctx = fakeContext(5);
    for (const groups of [1, 4, 5, 6, 13, 25]) {
      const [x, y] = workgroupGrid(ctx, groups);
      const hits = new Array<number>(groups).fill(0);
      for (let wy = 0; wy < y; wy++) {
        for (let wx = 0; wx < x; wx++) {
          const flat = wy * x + wx;
          if (flat < groups) hits[flat]++;
        }
      }
      expect(hits.every((h) => h === 1)).toBe(true);
    }
  });

  it('gridStrideGroups: threads striding by WG · groups reach each element once', () => {
    const ctx = fakeContext(3);
    const wg = 4;
    for (const count of [0, 1, 3, 4, 5, 12, 13, 47, 100]) {
      const groups = gridStrideGroups(ctx, count, wg);
      expect(groups).toBe(Math.min(Math.ceil(count / wg), 3));
      const hits = new Array<number>(count).fill(0);
      for (let gid = 0; gid < groups * wg; gid++) {
        for (let k = gid; k < count; k += wg * groups) hits[k]++;
      }
      expect(hits.every((h) => h === 1)).toBe(true);
    }
  });
});

describe('workgroupThreads', () => {
  const adapter = (isFallbackAdapter: boolean) => ({ summary: { isFallbackAdapter } }) as unknown as GpuContext;
  it("is the GPU's size on a GPU and CPU_WORKGROUP on a CPU adapter", () => {
    expect(workgroupThreads(adapter(false), 64)).toBe(64);
    expect(workgroupThreads(adapter(false), 256)).toBe(256);
    expect(workgroupThreads(adapter(true), 64)).toBe(CPU_WORKGROUP);
    expect(CPU_WORKGROUP).toBe(4);
  });
});

describe('fittedWorkgroup', () => {
  it('is the smallest power of two holding the threads, within [fewest, most]', () => {
    expect([0, 1, 10, 16, 17, 25, 50, 64, 65, 250, 257, 100000].map((t) => fittedWorkgroup(t, 256))).toEqual([16, 16, 16, 16, 32, 32, 64, 64, 128, 256, 256, 256]);
    expect(fittedWorkgroup(3, 64, 4)).toBe(4);
    expect(fittedWorkgroup(100, 64)).toBe(64);
  });
});
