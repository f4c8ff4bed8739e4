import { describe, expect, it } from 'vitest';
import { DEFAULT_SYNTHETIC, syntheticTrajectories } from '../data/synthetic-trajectories';
import { serializeTrajectoryFile, TrajectoryReader } from '../data/trajectory-file';
import { gaussianArray, seededRandom } from '../gpu/random';
import { testGpu } from '../gpu/test-gpu';
import { DYNAMICS_VARIANTS, readDynamicsFile, serializeDynamicsFile, type DynamicsModel, type DynamicsVariant } from './dynamics-file';
import { featureTrajectories } from './feature-trajectories';
import { fitDynamics, heldoutImages, LAMBDA_GRID, type TrajectoryImages } from './fit-dynamics';
import { uploadDynamics } from './gpu-dynamics';

interface Planted {
  N: number;
  S: number;
  P: number;
  d: number;
  /** Std of the innovation noise added at every step. */
  noise: number;
  /** Scale of the true A_s's off-diagonal part. */
  coupling: number;
  seed: number;
}

/** Trajectories [N, S, P, d] from known x_s = A_s x_{s-1} + b_s + noise, x_1 correlated with a non-zero mean. */
function planted(p: Planted) {
  const { N, S, P, d, noise, coupling } = p;
  const rand = seededRandom(p.seed);
  const A = new Float64Array((S - 1) * d * d);
  const b = new Float64Array((S - 1) * d);
  for (let s = 0; s < S - 1; s++) {
    const g = gaussianArray(d * d, rand, coupling / Math.sqrt(d));
    for (let i = 0; i < d; i++) {
      for (let j = 0; j < d; j++) A[(s * d + i) * d + j] = g[i * d + j] + (i === j ? 0.7 : 0);
      b[s * d + i] = 2 * rand() - 1;
    }
  }
  const mix = gaussianArray(d * d, rand, 1 / Math.sqrt(d));
  const mu = Float64Array.from({ length: d }, () => 3 * rand());
  const data = new Float32Array(N * S * P * d);
  const at = (n: number, s: number, q: number) => ((n * S + s) * P + q) * d;
  for (let n = 0; n < N; n++) {
    for (let q = 0; q < P; q++) {
      const w = gaussianArray(d, rand);
      let x = Float64Array.from(mu, (m, i) => m + w[i] + mix.slice(i * d, i * d + d).reduce((acc, v, j) => acc + v * w[j], 0));
      data.set(x, at(n, 0, q));
      for (let s = 1; s < S; s++) {
        const e = gaussianArray(d, rand, noise);
        x = Float64Array.from({ length: d }, (_, i) => {
          let y = b[(s - 1) * d + i] + e[i];
          for (let j = 0; j < d; j++) y += A[((s - 1) * d + i) * d + j] * x[j];
          return y;
        });
        data.set(x, at(n, s, q));
      }
    }
  }
  const source: TrajectoryImages = {
    N,
    S,
    P,
    d,
    readImages: async (n0, n1) => data.slice(n0 * S * P * d, n1 * S * P * d),
  };
  return { A, b, data, source };
}

/** Tokens (x_{s-1}, x_s) of transition t for the images selected. */
function pairs(data: Float32Array, p: Pick<Planted, 'N' | 'S' | 'P' | 'd'>, images: number[], step: number): Float64Array[] {
  const { S, P, d } = p;
  const rows: Float64Array[] = [];
  for (const n of images) for (let q = 0; q < P; q++) rows.push(Float64Array.from(data.subarray(((n * S + step) * P + q) * d, ((n * S + step) * P + q + 1) * d)));
  return rows;
}

const meanOf = (rows: Float64Array[]) => rows[0].map((_, j) => rows.reduce((acc, r) => acc + r[j], 0) / rows.length);

/** Solves M X = R for symmetric positive definite M [d, d] (float64 Cholesky); R [d, k] columns. */
function choleskySolve(M: Float64Array, d: number, R: Float64Array, k: number): Float64Array {
  const L = new Float64Array(d * d);
  for (let i = 0; i < d; i++) {
    for (let j = 0; j <= i; j++) {
      let sum = M[i * d + j];
      for (let q = 0; q < j; q++) sum -= L[i * d + q] * L[j * d + q];
      L[i * d + j] = i === j ? Math.sqrt(sum) : sum / L[j * d + j];
    }
  }
  const X = Float64Array.from(R);
  for (let c = 0; c < k; c++) {
    for (let i = 0; i < d; i++) {
      let sum = X[i * k + c];
      for (let q = 0; q < i; q++) sum -= L[i * d + q] * X[q * k + c];
      X[i * k + c] = sum / L[i * d + i];
    }
    for (let i = d - 1; i >= 0; i--) {
      let sum = X[i * k + c];
      for (let q = i + 1; q < d; q++) sum -= L[q * d + i] * X[q * k + c];
      X[i * k + c] = sum / L[i * d + i];
    }
  }
  return X;
}

/** float64 reference fit of one transition on the training tokens: A, b. */
function fitRef(variant: DynamicsVariant, xs: Float64Array[], ys: Float64Array[], lambda: number) {
  const d = xs[0].length;
  const mx = meanOf(xs);
  const my = meanOf(ys);
  const sxx = new Float64Array(d * d);
  const syx = new Float64Array(d * d);
  for (let r = 0; r < xs.length; r++) {
    for (let i = 0; i < d; i++) {
      for (let j = 0; j < d; j++) {
        sxx[i * d + j] += ((xs[r][i] - mx[i]) * (xs[r][j] - mx[j])) / xs.length;
        syx[i * d + j] += ((ys[r][i] - my[i]) * (xs[r][j] - mx[j])) / xs.length;
      }
    }
  }
  let A = new Float64Array(d * d);
  if (variant === 'full') {
    // (Σxx + λI) Aᵀ = Σyxᵀ
    const M = sxx.map((v, i) => v + (i % (d + 1) === 0 ? lambda : 0));
    const syxT = Float64Array.from({ length: d * d }, (_, i) => syx[(i % d) * d + Math.floor(i / d)]);
    const At = choleskySolve(M, d, syxT, d);
    A = Float64Array.from({ length: d * d }, (_, i) => At[(i % d) * d + Math.floor(i / d)]);
  } else if (variant === 'diagonal') {
    for (let j = 0; j < d; j++) A[j * d + j] = syx[j * d + j] / (sxx[j * d + j] + lambda);
  } else if (variant === 'identity') {
    for (let j = 0; j < d; j++) A[j * d + j] = 1;
  }
  const fitted = variant === 'full' || variant === 'diagonal';
  const b = my.map((y, i) => (fitted ? y - A.slice(i * d, i * d + d).reduce((acc, v, j) => acc + v * mx[j], 0) : 0));
  return { A, b };
}

/** Σ‖y − Ax − b‖² and Σ‖y − ȳ‖² over the rows, directly. */
function residualSums(A: ArrayLike<number>, b: ArrayLike<number>, xs: Float64Array[], ys: Float64Array[]) {
  const d = xs[0].length;
  const my = meanOf(ys);
  let sse = 0;
  let sst = 0;
  for (let r = 0; r < xs.length; r++) {
    for (let i = 0; i < d; i++) {
      let pred = b[i];
      for (let j = 0; j < d; j++) pred += A[i * d + j] * xs[r][j];
      sse += (ys[r][i] - pred) ** 2;
      sst += (ys[r][i] - my[i]) ** 2;
    }
  }
  return { sse, sst };
}

/** The whole float64 reference: A, b, R² (train, held-out) and block scales. */
function referenceModel(variant: DynamicsVariant, data: Float32Array, p: Planted, fraction: number, lambda: number) {
  const { N, S } = p;
  const split = heldoutImages(N, fraction);
  const trainImages = [...Array(N).keys()].filter((n) => !split[n]);
  const testImages = [...Array(N).keys()].filter((n) => split[n]);
  const first = pairs(data, p, trainImages, 0);
  const scales = [Math.sqrt(first.reduce((acc, r) => acc + r.reduce((a2, v) => a2 + v * v, 0), 0) / first.length)];
  const out = { A: [] as Float64Array[], b: [] as Float64Array[], r2: [] as number[], r2Heldout: [] as number[], scales, heldoutSse: 0 };
  for (let s = 0; s < S - 1; s++) {
    const xs = pairs(data, p, trainImages, s);
    const ys = pairs(data, p, trainImages, s + 1);
    const { A, b } = fitRef(variant, xs, ys, lambda);
    const tr = residualSums(A, b, xs, ys);
    const te = residualSums(A, b, pairs(data, p, testImages, s), pairs(data, p, testImages, s + 1));
    out.A.push(A);
    out.b.push(b);
    out.r2.push(1 - tr.sse / tr.sst);
    out.r2Heldout.push(1 - te.sse / te.sst);
    out.heldoutSse += te.sse;
    scales.push(Math.sqrt(tr.sse / xs.length));
  }
  return out;
}

/** Mean over steps and channels of the training tokens' variance (the unit of the λ grid). */
function meanVariance(data: Float32Array, p: Planted, fraction: number): number {
  const split = heldoutImages(p.N, fraction);
  const images = [...Array(p.N).keys()].filter((n) => !split[n]);
  let total = 0;
  for (let s = 0; s < p.S; s++) {
    const rows = pairs(data, p, images, s);
    const m = meanOf(rows);
    total += rows.reduce((acc, r) => acc + r.reduce((a2, v, j) => a2 + (v - m[j]) ** 2, 0), 0) / rows.length;
  }
  return total / (p.S * p.d);
}

function expectModelClose(got: DynamicsModel, want: ReturnType<typeof referenceModel>, tol: number) {
  const { S, d } = got;
  for (let s = 0; s < S - 1; s++) {
    const maxA = Math.max(1, ...want.A[s].map(Math.abs));
    for (let i = 0; i < d * d; i++) expect(Math.abs(got.A[s * d * d + i] - want.A[s][i])).toBeLessThan(tol * maxA);
    const maxB = Math.max(1, ...want.b[s].map(Math.abs));
    for (let i = 0; i < d; i++) expect(Math.abs(got.b[s * d + i] - want.b[s][i])).toBeLessThan(10 * tol * maxB);
    expect(got.r2[s]).toBeCloseTo(want.r2[s], 3);
    expect(got.r2Heldout![s]).toBeCloseTo(want.r2Heldout[s], 3);
  }
  for (let s = 0; s < S; s++) expect(Math.abs(got.scales[s] - want.scales[s]) / want.scales[s]).toBeLessThan(1e-3);
}

describe('fitDynamics', () => {
  const spec: Planted = { N: 9, S: 4, P: 23, d: 7, noise: 0.3, coupling: 0.4, seed: 11 };
  const { data, source } = planted(spec);

  it.each(DYNAMICS_VARIANTS)('%s at a given λ matches the float64 fit: A, b, R² (train, held-out), block scales', async (variant) => {
    const ctx = await testGpu();
    const lambda = 0.05;
    const got = await fitDynamics(ctx, source, { variant, lambda, heldoutFraction: 0.25 });
    const want = referenceModel(variant, data, spec, 0.25, variant === 'full' || variant === 'diagonal' ? lambda : 0);
    expect(got.variant).toBe(variant);
    expect(got.lambda).toBe(variant === 'full' || variant === 'diagonal' ? lambda : 0);
    expectModelClose(got, want, 2e-4);
  });

  it('streams uneven chunks to the same model as one chunk per run', async () => {
    const ctx = await testGpu();
    const progress: number[] = [];
    const one = await fitDynamics(ctx, source, { variant: 'full', lambda: 0.01, imagesPerChunk: 1, onProgress: (p) => p.phase === 'read' && progress.push(p.done) });
    const big = await fitDynamics(ctx, source, { variant: 'full', lambda: 0.01, imagesPerChunk: 4 });
    expect(progress.at(-1)).toBe(spec.N);
    for (let i = 0; i < one.A.length; i++) expect(Math.abs(one.A[i] - big.A[i])).toBeLessThan(1e-4);
    for (let i = 0; i < one.b.length; i++) expect(Math.abs(one.b[i] - big.b[i])).toBeLessThan(1e-3);
    for (let s = 0; s < spec.S; s++) expect(one.scales[s]).toBeCloseTo(big.scales[s], 4);
  });

  it('recovers planted dynamics A_s, b_s from noisy trajectories', async () => {
    const ctx = await testGpu();
    const p: Planted = { N: 20, S: 3, P: 60, d: 6, noise: 0.05, coupling: 0.5, seed: 12 };
    const truth = planted(p);
    const got = await fitDynamics(ctx, truth.source, { variant: 'full', lambda: 1e-6 });
    // Coefficient error ≈ noise / (√N · std x) ≈ 0.05 / √1000: 0.015 is several σ.
    for (let i = 0; i < truth.A.length; i++) expect(Math.abs(got.A[i] - truth.A[i])).toBeLessThan(0.015);
    for (let i = 0; i < truth.b.length; i++) expect(Math.abs(got.b[i] - truth.b[i])).toBeLessThan(0.05);
    for (let s = 0; s < p.S - 1; s++) expect(got.r2Heldout![s]).toBeGreaterThan(0.99);
  });

  it('chooses λ on the grid with the least held-out error', async () => {
    const ctx = await testGpu();
    // Few, noisy tokens per dimension: the least-squares fit overfits and a middling λ wins.
    const p: Planted = { N: 16, S: 3, P: 5, d: 20, noise: 1.5, coupling: 0.3, seed: 13 };
    const { data: noisy, source: noisySource } = planted(p);
    const fraction = 0.25;
    const unit = meanVariance(noisy, p, fraction);
    const sse = LAMBDA_GRID.map((g) => referenceModel('full', noisy, p, fraction, g * unit).heldoutSse);
    const best = sse.indexOf(Math.min(...sse));
    const sorted = [...sse].sort((x, y) => x - y);
    expect(best, 'the planted problem should favour an interior λ').toBeGreaterThan(0);
    expect(sorted[1] / sorted[0], 'the winner should be clear of f32 noise').toBeGreaterThan(1.01);

    const got = await fitDynamics(ctx, noisySource, { variant: 'full', heldoutFraction: fraction });
    expect(got.lambda / (LAMBDA_GRID[best] * unit)).toBeCloseTo(1, 4);
  });

  it('reads a trajectory file; the fit, saved and reloaded, maps planted innovations to their true feature trajectories', async () => {
    const ctx = await testGpu();
    const [N, H, W, S, d] = [16, 5, 5, 4, 10];
    const spec = { ...DEFAULT_SYNTHETIC, images: N, height: H, width: W, steps: S, channels: d, features: 6, activePerToken: 0.3, seed: 5 };
    const truth = syntheticTrajectories(spec);
    const meta = {
      model: 'synthetic',
      hook: 'test',
      stepIndices: [0, 1, 2, 3],
      timesteps: [999, 666, 333, 0],
      height: H,
      width: W,
      prompts: Array.from({ length: N }, (_, i) => `image ${i}`),
      seeds: Array.from({ length: N }, (_, i) => i),
    };
    const reader = await TrajectoryReader.open(serializeTrajectoryFile(meta, truth.activations, d, 'F32'));

    const fitted = await fitDynamics(ctx, reader, { variant: 'full', lambda: 1e-3, imagesPerChunk: 5 });
    const model = await readDynamicsFile(serializeDynamicsFile(fitted));
    expect(Math.min(...model.r2Heldout!)).toBeGreaterThan(0.9);

    // The planted innovations u_k are residuals in x-space; in z-space they are u_k[s] / scale_s.
    const m = spec.features;
    const u = truth.innovations.map((v, i) => v / model.scales[Math.floor(i / d) % S]);
    const dyn = uploadDynamics(ctx, model);
    const wDec = ctx.upload(u, 'wDec');
    const trajectories = ctx.createBuffer(u.byteLength, 'trajectories');
    const profile = ctx.createBuffer(m * S * 4, 'profile');
    featureTrajectories(ctx, dyn, { wDec, latents: m, trajectories, profile });
    const v = await ctx.readF32(trajectories);
    [wDec, trajectories, profile].forEach((b) => b.destroy());
    dyn.destroy();

    // Relative error against the true v_k; without the dynamics (v_k = u_k) it is large.
    const relative = (got: Float32Array) => {
      let num = 0;
      let den = 0;
      for (let i = 0; i < got.length; i++) {
        num += (got[i] - truth.trajectories[i]) ** 2;
        den += truth.trajectories[i] ** 2;
      }
      return Math.sqrt(num / den);
    };
    // The fit is biased a little: a planted feature's innovations at neighbouring steps are correlated.
    expect(relative(v)).toBeLessThan(0.08);
    expect(relative(truth.innovations)).toBeGreaterThan(0.5);
  });

  it('holds out whole images, spread evenly, at least one', () => {
    expect(heldoutImages(10, 0.2)).toEqual([false, false, false, false, true, false, false, false, false, true]);
    expect(heldoutImages(3, 0.1).filter(Boolean)).toHaveLength(1);
    expect(heldoutImages(1, 0.1)).toEqual([false]);
    expect(heldoutImages(5, 0)).toEqual([false, false, false, false, false]);
  });

  it('cancels on abort and explains bad options', async () => {
    const ctx = await testGpu();
    const controller = new AbortController();
    const run = fitDynamics(ctx, source, { variant: 'full', lambda: 0.1, imagesPerChunk: 1, signal: controller.signal, onProgress: () => controller.abort() });
    await expect(run).rejects.toThrow(/abort/i);
    await expect(fitDynamics(ctx, source, { variant: 'cubic' as DynamicsVariant })).rejects.toThrow(/Should be one of: full, diagonal, identity, none/);
    await expect(fitDynamics(ctx, source, { variant: 'full', heldoutFraction: 0 })).rejects.toThrow(/held-out images/);
  });
});
