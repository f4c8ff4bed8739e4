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

/**
 * Threads a workgroup for kernels whose threads wait for each other or are
 * too few to fill many workgroups (a one-workgroup scan or select, one thread
 * per decoder row): `onGpu` on a GPU, CPU_WORKGROUP on a CPU adapter
 * (SwiftShader, lavapipe). A CPU runs a workgroup on one core, four threads
 * in lockstep (a 128-bit SIMD group), so more threads add no speed, only
 * waits at each barrier, and fewer workgroups to share the cores: on
 * SwiftShader a 64-thread scan of 640 counts took ~120 µs, a 4-thread one ~15 µs.
 */
export const CPU_WORKGROUP = 4;

export function workgroupThreads(ctx: GpuContext, onGpu: number): number {
  return ctx.summary.isFallbackAdapter ? CPU_WORKGROUP : onGpu;
}

/**
 * Threads for a workgroup of `threads` working threads: the smallest power of
 * two that holds them, from `fewest` up to `most` (then several workgroups).
 * Threads started for nothing cost emulated adapters time: ~60 µs for Adam on
 * b_enc's 10 Lanes in 256 threads on SwiftShader.
 */
export function fittedWorkgroup(threads: number, most: number, fewest = 16): number {
  return Math.min(most, Math.max(fewest, 2 ** Math.ceil(Math.log2(Math.max(1, threads)))));
}
