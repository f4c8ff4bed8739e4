import type { GpuContext } from '../gpu/context';
import { workgroupThreads } from '../gpu/dispatch-grid';

/** On a GPU, scans of at most this many values run in a 64-thread workgroup (64 values a thread at most). */
const SMALL_SCAN = 4096;

/**
 * sums[i] = Σ_{i' < i} values[i'] for i ≤ n (sums[n] is the total), in one
 * workgroup (shaders/exclusive-scan-u32.wgsl). A generic kernel: the SAE uses
 * it for CSR row starts and per-latent list starts.
 *
 * values: [n] u32, sums: [n + 1] u32.
 */
export function exclusiveScanU32(ctx: GpuContext, values: GPUBuffer, sums: GPUBuffer, n: number): void {
  if (!Number.isInteger(n) || n < 0) throw new RangeError(`exclusiveScanU32 n = ${n}, but it must be an integer ≥ 0`);
  if (values.size < n * 4) throw new RangeError(`exclusiveScanU32 values ("${values.label}") holds ${values.size / 4} u32, fewer than n = ${n}`);
  if (sums.size < (n + 1) * 4) throw new RangeError(`exclusiveScanU32 sums ("${sums.label}") holds ${sums.size / 4} u32, but needs n + 1 = ${n + 1}`);
  // Up to SMALL_SCAN values, a quarter of the threads: two fewer barrier rounds, and fewer waiting at each.
  const constants = { WG: workgroupThreads(ctx, n <= SMALL_SCAN ? 64 : 256) };
  ctx.dispatch({ shader: 'exclusive-scan-u32', bindings: [values, sums], params: [n], workgroups: [1], constants });
}
