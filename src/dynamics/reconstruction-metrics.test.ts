import { describe, expect, it } from 'vitest';
import { gaussianArray, seededRandom } from '../gpu/random';
import { testGpu } from '../gpu/test-gpu';
import { uploadDynamics } from './gpu-dynamics';
import { INVERSE_MODES, ReconstructionMetrics } from './reconstruction-metrics';
import { Residualizer } from './residualize';
import { invertRef, randomModel, residualizeRef } from './test-reference';

/** float64 FVU overall and per step of [tokens, S, d] arrays, about the per-(step, channel) mean. */
function fvuRef(x: ArrayLike<number>, xHat: ArrayLike<number>, tokens: number, S: number, d: number) {
  const sse = new Float64Array(S);
  const sst = new Float64Array(S);
  for (let s = 0; s < S; s++) {
    for (let j = 0; j < d; j++) {
      let mean = 0;
      for (let t = 0; t < tokens; t++) mean += x[(t * S + s) * d + j] / tokens;
      for (let t = 0; t < tokens; t++) {
        const at = (t * S + s) * d + j;
        sse[s] += (x[at] - xHat[at]) ** 2;
        sst[s] += (x[at] - mean) ** 2;
      }
    }
  }
  const sum = (a: Float64Array) => a.reduce((p, v) => p + v, 0);
  return { all: sum(sse) / sum(sst), steps: Array.from(sse, (v, s) => v / sst[s]) };
}

describe('ReconstructionMetrics', () => {
  it.each(INVERSE_MODES)('%s: FVU in x and z, overall and per step, streamed in uneven batches, matches float64', async (inverse) => {
    const [S, d, tokens, maxTokens] = [4, 15, 173, 64];
    const ctx = await testGpu();
    const model = randomModel('full', S, d, 41);
    const dyn = uploadDynamics(ctx, model);
    const rand = seededRandom(42);
    const x = gaussianArray(tokens * S * d, rand, 1).map((v) => v + 5);
    // ẑ: z plus errors of about 30% of a block's scale.
    const z = Float32Array.from(residualizeRef(model, x, tokens).z);
    const zHat = z.map((v) => v + 0.3 * (rand() - 0.5));

    const metrics = new ReconstructionMetrics(ctx, dyn, { maxTokens, inverse });
    const res = new Residualizer(ctx, dyn, maxTokens);
    const buffers: GPUBuffer[] = [];
    let t0 = 0;
    for (const n of [64, 1, 50, 58]) {
      const slice = (a: Float32Array, label: string) => {
        const buffer = ctx.upload(a.subarray(t0 * S * d, (t0 + n) * S * d), label);
        buffers.push(buffer);
        return buffer;
      };
      const xb = slice(x, 'x');
      const zb = ctx.createBuffer(n * S * d * 4, 'z');
      buffers.push(zb);
      res.residualize({ x: xb, z: zb, tokens: n });
      metrics.add({ x: xb, z: zb, zHat: slice(zHat, 'zHat'), tokens: n });
      t0 += n;
    }
    expect(t0).toBe(tokens);
    const got = await metrics.read();
    metrics.destroy();
    res.destroy();
    dyn.destroy();
    buffers.forEach((b) => b.destroy());

    const xHat = invertRef(model, zHat, tokens, true, inverse === 'teacher-forced' ? x : undefined);
    const wantX = fvuRef(x, xHat, tokens, S, d);
    const wantZ = fvuRef(z, zHat, tokens, S, d);
    expect(got.tokens).toBe(tokens);
    expect(got.inverse).toBe(inverse);
    expect(got.fvuX).toBeCloseTo(wantX.all, 4);
    expect(got.fvuZ).toBeCloseTo(wantZ.all, 4);
    for (let s = 0; s < S; s++) {
      expect(got.fvuXPerStep[s]).toBeCloseTo(wantX.steps[s], 4);
      expect(got.fvuZPerStep[s]).toBeCloseTo(wantZ.steps[s], 4);
    }
    // The two inverses differ once errors compound through the dynamics.
    expect(wantX.steps[S - 1]).not.toBeCloseTo(fvuRef(x, invertRef(model, zHat, tokens, true, inverse === 'teacher-forced' ? undefined : x), tokens, S, d).steps[S - 1], 2);
  });
});
