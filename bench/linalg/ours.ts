import type { GpuContext } from '../../src/gpu/context';
import { CovarianceAccumulator } from '../../src/linalg/covariance';
import { matmul } from '../../src/linalg/matmul';
import type { MatmulCase } from './cases';
import type { PreparedProduct } from './product';

/** One of our ways to compute a case, named in the output's `ours` field. */
export interface OurContestant {
  ours: string;
  product: PreparedProduct;
}

/**
 * Our contestants for a case on `ctx`'s device: `matmul` always; for a Gram
 * case also `CovarianceAccumulator.add`, the lab's own path to XᵀX for the dynamics' ridge fit.
 */
export function ourContestants(ctx: GpuContext, c: MatmulCase, a: GPUBuffer, b: GPUBuffer): OurContestant[] {
  const contestants = [{ ours: 'matmul', product: ourMatmul(ctx, c, a, b) }];
  if (c.gram) contestants.push({ ours: 'CovarianceAccumulator.add', product: ourCovariance(ctx, c, a) });
  return contestants;
}

/** src/linalg/matmul.ts: C = op(A)·B. */
function ourMatmul(ctx: GpuContext, c: MatmulCase, a: GPUBuffer, b: GPUBuffer): PreparedProduct {
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

/**
 * src/linalg/covariance.ts: each run adds X [k rows, m columns] as one chunk
 * to a long-lived accumulator, as the dynamics fit adds each chunk of tokens
 * (the split-K Gram of the centred rows and its running Kahan sum).
 * Adding the same chunk r times leaves x̄ and Σ_xx those of X, so the result
 * XᵀX = k·(Σ_xx + x̄ x̄ᵀ) is comparable with the peers' Gram.
 */
function ourCovariance(ctx: GpuContext, c: MatmulCase, x: GPUBuffer): PreparedProduct {
  const d = c.m;
  const accumulator = new CovarianceAccumulator(ctx, d);
  return {
    async run() {
      accumulator.add({ x, rows: c.k });
      await ctx.sync();
    },
    async result() {
      const { meanX, sxx } = accumulator.finish();
      const mean = await ctx.readF32(meanX);
      const gram = await ctx.readF32(sxx);
      meanX.destroy();
      sxx.destroy();
      for (let i = 0; i < d; i++) for (let j = 0; j < d; j++) gram[i * d + j] = c.k * (gram[i * d + j] + mean[i] * mean[j]);
      return gram;
    },
    dispose: () => accumulator.destroy(),
  };
}
