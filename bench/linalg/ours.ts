import type { GpuContext } from '../../src/gpu/context';
import { matmul } from '../../src/linalg/matmul';
import type { MatmulCase } from './cases';
import type { PreparedProduct } from './measure';

/** Our matmul (src/linalg/matmul.ts) on `ctx`'s device; A and B as in the case's layout. */
export function ourMatmul(ctx: GpuContext, c: MatmulCase, a: GPUBuffer, b: GPUBuffer): PreparedProduct {
  const out = ctx.createBuffer(c.m * c.n * 4, `bench.${c.name}.C`);
  return {
    async run() {
      matmul(ctx, { a, b, c: out, m: c.m, n: c.n, k: c.k, layout: c.layout });
      // sync = submit, wait for the queue, and throw any GPU error the run caused.
      await ctx.sync();
    },
    result: () => ctx.readF32(out),
    dispose: () => out.destroy(),
  };
}
