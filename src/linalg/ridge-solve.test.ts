import { describe, expect, it } from 'vitest';
import { gaussianArray, seededRandom } from '../gpu/random';
import { testGpu } from '../gpu/test-gpu';
import { NotPositiveDefiniteError, ridgeSolve } from './ridge-solve';

const EPS32 = 2 ** -23;

/** Σ = Q diag(eigenvalues) Qᵀ with Q a random orthogonal matrix (Gram–Schmidt, float64). */
function spdWithSpectrum(eigenvalues: number[], seed: number): Float64Array {
  const d = eigenvalues.length;
  const g = gaussianArray(d * d, seededRandom(seed));
  const q: Float64Array[] = [];
  for (let i = 0; i < d; i++) {
    const v = Float64Array.from(g.subarray(i * d, (i + 1) * d));
    for (let pass = 0; pass < 2; pass++) {
      for (const u of q) {
        let dot = 0;
        for (let j = 0; j < d; j++) dot += u[j] * v[j];
        for (let j = 0; j < d; j++) v[j] -= dot * u[j];
      }
    }
    const norm = Math.hypot(...v);
    q.push(v.map((x) => x / norm));
  }
  const s = new Float64Array(d * d);
  for (let i = 0; i < d; i++) for (let j = 0; j < d; j++) for (let k = 0; k < d; k++) s[i * d + j] += q[k][i] * eigenvalues[k] * q[k][j];
  return s;
}

/** A = S_yx (S + λI)⁻¹ in float64 by Cholesky, the reference. */
function solveReference(sxx: Float32Array, syx: Float32Array, d: number, dy: number, lambda: number): Float64Array {
  const l = new Float64Array(d * d);
  for (let j = 0; j < d; j++) {
    for (let i = j; i < d; i++) {
      let s = sxx[i * d + j] + (i === j ? lambda : 0);
      for (let k = 0; k < j; k++) s -= l[i * d + k] * l[j * d + k];
      l[i * d + j] = i === j ? Math.sqrt(s) : s / l[j * d + j];
    }
  }
  const a = new Float64Array(dy * d);
  for (let r = 0; r < dy; r++) {
    // (L Lᵀ) aᵀ = syxᵀ row by row.
    const z = new Float64Array(d);
    for (let i = 0; i < d; i++) {
      let s = syx[r * d + i];
      for (let k = 0; k < i; k++) s -= l[i * d + k] * z[k];
      z[i] = s / l[i * d + i];
    }
    for (let i = d - 1; i >= 0; i--) {
      let s = z[i];
      for (let k = i + 1; k < d; k++) s -= l[k * d + i] * a[r * d + k];
      a[r * d + i] = s / l[i * d + i];
    }
  }
  return a;
}

function frobenius(x: ArrayLike<number>): number {
  let sum = 0;
  for (let i = 0; i < x.length; i++) sum += x[i] * x[i];
  return Math.sqrt(sum);
}

async function runSolve(sxx: Float32Array, syx: Float32Array, d: number, dy: number, lambda: number, refinementSteps?: number) {
  const ctx = await testGpu();
  const sxxBuf = ctx.upload(sxx, 'sxx');
  const syxBuf = ctx.upload(syx, 'syx');
  const out = ctx.createBuffer(dy * d * 4, 'A');
  try {
    await ridgeSolve(ctx, { sxx: sxxBuf, syx: syxBuf, d, dy, lambda, out, refinementSteps });
    return await ctx.readF32(out);
  } finally {
    for (const b of [sxxBuf, syxBuf, out]) b.destroy();
  }
}

/** Relative Frobenius error of the GPU solution against the float64 one. */
function relativeError(got: Float32Array, want: Float64Array): number {
  return frobenius(got.map((v, i) => v - want[i])) / frobenius(want);
}

describe('ridgeSolve', () => {
  it('well conditioned, d = 37 (one block), dy = 23: relative error ≤ 2·√d·eps', async () => {
    const d = 37;
    const dy = 23;
    const eig = Array.from({ length: d }, (_, i) => 1 + i / d);
    const sxx = Float32Array.from(spdWithSpectrum(eig, 1));
    const syx = gaussianArray(dy * d, seededRandom(2));
    const lambda = 0.1;
    const got = await runSolve(sxx, syx, d, dy, lambda);
    const err = relativeError(got, solveReference(sxx, syx, d, dy, lambda));
    expect(err).toBeLessThanOrEqual(2 * Math.sqrt(d) * EPS32);
  });

  it('condition ~1e4 with small λ, d = 131 (three blocks, ragged last), dy = 50: relative error ≤ 0.05·cond·√d·eps', async () => {
    const d = 131;
    const dy = 50;
    // Eigenvalues log-spaced from 1 down to 1e-4, plus λ = 1e-6: cond(Σ + λI) ≈ 9.9e3.
    const eig = Array.from({ length: d }, (_, i) => 10 ** (-4 * (i / (d - 1))));
    const lambda = 1e-6;
    const cond = (1 + lambda) / (1e-4 + lambda);
    const sxx = Float32Array.from(spdWithSpectrum(eig, 3));
    const syx = gaussianArray(dy * d, seededRandom(4));
    const want = solveReference(sxx, syx, d, dy, lambda);
    const refined = relativeError(await runSolve(sxx, syx, d, dy, lambda), want);
    expect(refined).toBeLessThanOrEqual(0.05 * cond * Math.sqrt(d) * EPS32);
    // One refinement step helps a little (the residual is f32 too, so it cannot beat cond·eps).
    const plain = relativeError(await runSolve(sxx, syx, d, dy, lambda, 0), want);
    expect(refined).toBeLessThan(plain);
  });

  it('rank-deficient Σ: λ = 0 throws an error suggesting λ > 0; λ = 1e-2 solves it', async () => {
    const d = 70;
    const dy = 9;
    const eig = Array.from({ length: d }, (_, i) => (i < d / 2 ? 1 + i / d : 0));
    const sxx = Float32Array.from(spdWithSpectrum(eig, 5));
    const syx = gaussianArray(dy * d, seededRandom(6));
    const failure = runSolve(sxx, syx, d, dy, 0);
    await expect(failure).rejects.toBeInstanceOf(NotPositiveDefiniteError);
    await expect(failure).rejects.toThrow(/not positive definite .* use λ > 0/);
    const lambda = 1e-2;
    const err = relativeError(await runSolve(sxx, syx, d, dy, lambda), solveReference(sxx, syx, d, dy, lambda));
    expect(err).toBeLessThanOrEqual(0.2 * (2 / lambda) * Math.sqrt(d) * EPS32);
  });

  it('rejects bad arguments', async () => {
    const ctx = await testGpu();
    const buf = ctx.createBuffer(16 * 4, 'sixteen');
    await expect(ridgeSolve(ctx, { sxx: buf, syx: buf, d: 4, dy: 4, lambda: -1, out: ctx.createBuffer(64, 'o') })).rejects.toThrow(/lambda = -1, but it must be ≥ 0/);
    await expect(ridgeSolve(ctx, { sxx: buf, syx: buf, d: 5, dy: 1, lambda: 0, out: buf })).rejects.toThrow(/ridgeSolve sxx \("sixteen"\) needs 25 elements/);
    buf.destroy();
  });
});
