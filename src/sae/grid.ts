import type { GpuContext } from '../gpu/context';

/** A 2-D workgroup grid holding at least `groups` workgroups within maxComputeWorkgroupsPerDimension; kernels index x + y · gridX. */
export function grid2d(ctx: GpuContext, groups: number): [number, number] {
  const x = Math.max(1, Math.min(groups, ctx.device.limits.maxComputeWorkgroupsPerDimension));
  return [x, Math.ceil(groups / x)];
}
