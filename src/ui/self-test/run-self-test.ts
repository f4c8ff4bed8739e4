import type { GpuContext } from '../../gpu/context';
import { gaussianArray, seededRandom } from '../../gpu/random';
import { timeGpu } from '../../gpu/timing';
import { matmul, type MatmulLayout } from '../../linalg/matmul';
import type { SelfTestCase, SelfTestReport } from '../../state/self-test-slice';
import { referenceMatmul } from './reference-matmul';

/** Odd sizes, so no dimension is a multiple of a tile size the kernel might use. */
const M = 67;
const K = 45;
const N = 53;
const LAYOUTS: readonly MatmulLayout[] = ['nn', 'tn', 'nt'];

/** Unit roundoff of float32 (IEEE 754 binary32, 24-bit significand). */
const U_F32 = 2 ** -24;

/**
 * The in-page GPU check: multiplies fresh random matrices with `matmul` in
 * each layout and compares every entry with the float64 CPU product.
 */
export async function runSelfTest(ctx: GpuContext, seed: number): Promise<SelfTestReport> {
  const random = seededRandom(seed);
  const cases: SelfTestCase[] = [];
  for (const layout of LAYOUTS) cases.push(await runCase(ctx, layout, random));
  return {
    seed,
    timing: ctx.summary.features.timestampQuery ? 'timestamp-query' : 'wall-clock',
    cases,
    passed: cases.every((c) => c.passed),
  };
}

async function runCase(ctx: GpuContext, layout: MatmulLayout, random: () => number): Promise<SelfTestCase> {
  // Stored shapes: 'tn' keeps A as [K, M], 'nt' keeps B as [N, K]; the element counts are the same.
  const a = gaussianArray(M * K, random);
  const b = gaussianArray(K * N, random);
  const aBuffer = ctx.upload(a, 'self-test.a');
  const bBuffer = ctx.upload(b, 'self-test.b');
  const cBuffer = ctx.createBuffer(M * N * 4, 'self-test.c');
  try {
    const gpuMs = await timeGpu(ctx, () => matmul(ctx, { a: aBuffer, b: bBuffer, c: cBuffer, m: M, n: N, k: K, layout }));
    const c = await ctx.readF32(cBuffer);
    const reference = referenceMatmul(a, b, M, N, K, layout);
    const maxRelError = componentwiseError(c, reference.c, reference.absSum);
    // Higham, "Accuracy and Stability of Numerical Algorithms" (2002), eq. 3.5:
    // |fl(xᵀy) − xᵀy| ≤ γ_K Σ|x_i y_i| for any order of summation.
    const tolerance = (K * U_F32) / (1 - K * U_F32);
    return { layout, m: M, n: N, k: K, maxRelError, tolerance, passed: maxRelError <= tolerance, gpuMs };
  } finally {
    aBuffer.destroy();
    bBuffer.destroy();
    cBuffer.destroy();
  }
}

/** max_i |got_i − want_i| / absSum_i; Infinity when any entry is NaN or not finite, so it cannot pass. */
export function componentwiseError(got: Float32Array, want: Float64Array, absSum: Float64Array): number {
  let worst = 0;
  for (let i = 0; i < want.length; i++) {
    const error = Math.abs(got[i] - want[i]) / absSum[i];
    if (!Number.isFinite(error)) return Infinity;
    worst = Math.max(worst, error);
  }
  return worst;
}
