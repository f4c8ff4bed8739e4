import type { GpuContext } from '../gpu/context';

/**
 * sums[i] = Σ_{i' < i} values[i'] for i ≤ n (sums[n] is the total), in one
 * workgroup (shaders/exclusive-scan-u32.wgsl). A generic kernel: the SAE uses
 * it for CSR row starts and per-latent list starts. With `clear`, values are
 * left zero (counts that atomics build need no fill before the next round).
 *
 * values: [n] u32, sums: [n + 1] u32.
 */
export function exclusiveScanU32(ctx: GpuContext, values: GPUBuffer, sums: GPUBuffer, n: number, options: { clear?: boolean } = {}): void {
  if (!Number.isInteger(n) || n < 0) throw new RangeError(`exclusiveScanU32 n = ${n}, but it must be an integer ≥ 0`);
  if (values.size < n * 4) throw new RangeError(`exclusiveScanU32 values ("${values.label}") holds ${values.size / 4} u32, fewer than n = ${n}`);
  if (sums.size < (n + 1) * 4) throw new RangeError(`exclusiveScanU32 sums ("${sums.label}") holds ${sums.size / 4} u32, but needs n + 1 = ${n + 1}`);
  ctx.dispatch({ shader: 'exclusive-scan-u32', bindings: [values, sums], params: [n, options.clear ? 1 : 0], workgroups: [1] });
}
