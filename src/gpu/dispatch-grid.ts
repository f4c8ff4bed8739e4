import type { GpuContext } from './context';

/**
 * The one rule for fitting a dispatch under maxComputeWorkgroupsPerDimension
 * (65535 by default; the WebGPU spec's "Limits" table): fill x up to the
 * limit, then add rows of x workgroups along y.
 *
 * Two kernel contracts sit on it:
 * - 2-D grid (`workgroupGrid`): every item has its own thread or workgroup;
 *   the kernel flattens the grid as wid.y · x + wid.x (for threads,
 *   gid.y · x · WG + gid.x), so the caller passes x (or x · WG) in Params.
 * - Grid-stride (`gridStrideGroups`): one row of x workgroups; the kernel
 *   loops `for (i = gid.x; i < count; i += WG * num_workgroups.x)`.
 */

/**
 * [x, y] with x ≤ maxPerDimension and x · y ≥ groups, the fewest rows that
 * hold them ([0, 0] for none: ctx.dispatch skips an empty grid). y beyond the
 * limit (more than maxPerDimension² workgroups) is left to ctx.dispatch to
 * report as a GpuLimitError.
 */
export function fitWorkgroups(groups: number, maxPerDimension: number): [number, number] {
  if (!Number.isInteger(groups) || groups < 0) throw new RangeError(`fitWorkgroups groups = ${groups}, but it must be an integer ≥ 0`);
  if (!Number.isInteger(maxPerDimension) || maxPerDimension < 1) {
    throw new RangeError(`fitWorkgroups maxPerDimension = ${maxPerDimension}, but it must be an integer ≥ 1`);
  }
  if (groups === 0) return [0, 0];
  const x = Math.min(groups, maxPerDimension);
  return [x, Math.ceil(groups / x)];
}

/** A 2-D grid of at least `groups` workgroups on this device; kernels index wid.y · x + wid.x. */
export function workgroupGrid(ctx: GpuContext, groups: number): [number, number] {
  return fitWorkgroups(groups, ctx.device.limits.maxComputeWorkgroupsPerDimension);
}

/**
 * Workgroups for a grid-stride kernel of `count` elements with `wg` threads a
 * group: one per wg elements, capped at the per-dimension limit (the first row
 * of the 2-D grid); the kernel's threads stride through the rest.
 */
export function gridStrideGroups(ctx: GpuContext, count: number, wg: number): number {
  return workgroupGrid(ctx, Math.ceil(count / wg))[0];
}
