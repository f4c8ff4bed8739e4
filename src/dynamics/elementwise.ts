import type { GpuContext } from '../gpu/context';

/**
 * Workgroup count for a 1-D kernel of `count` elements with `wg` threads per
 * group, capped at the adapter's per-dimension limit; the kernels stride
 * through the rest (grid-stride loop).
 */
export function elementwiseGroups(ctx: GpuContext, count: number, wg: number): number {
  return Math.min(Math.ceil(count / wg), ctx.device.limits.maxComputeWorkgroupsPerDimension);
}
