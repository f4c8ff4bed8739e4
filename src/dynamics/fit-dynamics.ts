import type { GpuContext } from '../gpu/context';
import { CovarianceAccumulator, type CovarianceResult } from '../linalg/covariance';
import { matmul } from '../linalg/matmul';
import { NotPositiveDefiniteError, ridgeSolve } from '../linalg/ridge-solve';
import { DYNAMICS_VARIANTS, type DynamicsModel, type DynamicsVariant } from './dynamics-file';
import { imagesToTokens } from './images-to-tokens';

/** What the fit reads: a trajectory file (data/trajectory-file.ts `TrajectoryReader`) or anything shaped like one. */
export interface TrajectoryImages {
  /** Images, recorded steps, positions per image, channels. */
  readonly N: number;
  readonly S: number;
  readonly P: number;
  readonly d: number;
  /** Images n0..n1 (exclusive): [n1 − n0, S, P, d] row-major f32. */
  readImages(n0: number, n1: number): Promise<Float32Array>;
}

/**
 * λ candidates when none is given, as multiples of the mean activation
 * variance (mean over steps and channels of the training tokens), so λ is in
 * units of activation variance (the fit uses covariances) and the grid fits any scale.
 */
export const LAMBDA_GRID: readonly number[] = [1e-4, 1e-3, 1e-2, 1e-1, 1];

export interface FitProgress {
  /** 'read': images streamed through the accumulators; 'solve': ridge solves and their evaluation. */
  phase: 'read' | 'solve';
  done: number;
  total: number;
}

export interface FitDynamicsOptions {
  variant: DynamicsVariant;
  /** Ridge strength in units of activation variance (full and diagonal). Omitted: chosen by held-out error over LAMBDA_GRID. */
  lambda?: number;
  /** Share of images held out for λ choice and held-out R², spread evenly over the file. Default 0.1. */
  heldoutFraction?: number;
  /** Images uploaded per chunk. Default: as many as fit in 64 MiB (at least 1). */
  imagesPerChunk?: number;
  onProgress?: (progress: FitProgress) => void;
  signal?: AbortSignal;
}

export const DEFAULT_HELDOUT_FRACTION = 0.1;
const CHUNK_BYTES = 64 * 2 ** 20;

/**
 * Fits the linear timestep dynamics x_s ≈ A_s x_{s-1} + b_s by ridge regression and
 * the block scales of z (each block's RMS, so none dominates the SAE's input) in one streamed pass over the trajectories.
 *
 * 1. Split by image (tokens of one image are correlated, so a token split
 *    would leak): about `heldoutFraction` of the images, spread evenly.
 * 2. Stream image chunks to the GPU, reorder them into token rows and
 *    accumulate, per split, the means and covariances (1/N) of each pair of
 *    neighbouring steps (Σ_xx of x_{s-1}, Σ_yx of x_s with x_{s-1}), plus Σ of
 *    the last step.
 * 3. For each λ: A_s = Σ_yx (Σ_xx + λI)^-1 (`full`, GPU Cholesky),
 *    a_j = cov(y_j, x_j)/(var x_j + λ) (`diagonal`), A = I (`identity`) or
 *    A = 0 (`none`); b_s = ȳ − A_s x̄ (0 for identity and none). Keep the λ
 *    with the least total held-out squared error.
 * 4. R²_s = 1 − SSE/SST about the mean, on training and held-out tokens, and
 *    the block scales: RMS norm of x_1 and of each residual r_s over the
 *    training tokens.
 *
 * Steps 3–4 need no second pass: for any affine predictor the mean squared
 * residual over a set follows from that set's moments,
 *   (1/N) Σ‖y − Ax − b‖² = tr Σ_yy − 2⟨A, Σ_yx⟩ + ⟨A Σ_xx, A⟩ + ‖ȳ − A x̄ − b‖²
 * (⟨·,·⟩ the Frobenius product), with A Σ_xx one GPU matmul.
 */
export async function fitDynamics(ctx: GpuContext, source: TrajectoryImages, options: FitDynamicsOptions): Promise<DynamicsModel> {
  const { N, S, P, d } = source;
  const { variant, lambda, heldoutFraction = DEFAULT_HELDOUT_FRACTION, onProgress, signal } = options;
  const imagesPerChunk = options.imagesPerChunk ?? Math.max(1, Math.floor(CHUNK_BYTES / (S * P * d * 4)));
  // Validate.
  for (const [name, v, min] of [['N', N, 1], ['S', S, 2], ['P', P, 1], ['d', d, 1]] as const) {
    if (!Number.isInteger(v) || v < min) throw new RangeError(`fitDynamics: trajectories have ${name} = ${v}, but it must be an integer ≥ ${min}`);
  }
  if (!DYNAMICS_VARIANTS.includes(variant)) throw new RangeError(`fitDynamics variant "${variant}" is unknown. Should be one of: ${DYNAMICS_VARIANTS.join(', ')}`);
  if (lambda !== undefined && !(Number.isFinite(lambda) && lambda >= 0)) throw new RangeError(`fitDynamics lambda = ${lambda}, but it must be a finite number ≥ 0`);
  if (!(heldoutFraction >= 0 && heldoutFraction < 1)) throw new RangeError(`fitDynamics heldoutFraction = ${heldoutFraction}, but it must be in [0, 1)`);
  if (!Number.isInteger(imagesPerChunk) || imagesPerChunk < 1) throw new RangeError(`fitDynamics imagesPerChunk = ${imagesPerChunk}, but it must be an integer ≥ 1`);
  const fitsLambda = variant === 'full' || variant === 'diagonal';
  signal?.throwIfAborted();

  // 1. Split by image.
  const heldout = heldoutImages(N, heldoutFraction);
  const hasHeldout = heldout.includes(true);
  if (fitsLambda && lambda === undefined && !hasHeldout) {
    throw new Error(`fitDynamics: choosing λ needs held-out images, but ${N} image(s) with heldoutFraction = ${heldoutFraction} hold none out. Give lambda, or use ≥ 2 images and heldoutFraction > 0.`);
  }

  // 2. One streamed pass: moments per split.
  const results = await accumulate(ctx, source, heldout, imagesPerChunk, onProgress, signal);
  const a = ctx.createBuffer(d * d * 4, 'fit.A');
  const product = ctx.createBuffer(d * d * 4, 'fit.A·Σxx');
  try {
    const train = await readMoments(ctx, results.train, d);
    const test = results.heldout ? await readMoments(ctx, results.heldout, d) : null;

    // 3. λ: the given one, the grid, or none (identity, none).
    const meanVariance = train.trace.reduce((sum, t) => sum + t, 0) / (S * d);
    const lambdas = !fitsLambda ? [0] : lambda !== undefined ? [lambda] : LAMBDA_GRID.map((g) => g * meanVariance);
    const solves = lambdas.length * (S - 1);
    let best: { lambda: number; A: Float32Array[]; b: Float64Array[]; sse: number } | null = null;
    const failures: string[] = [];
    for (const [i, lam] of lambdas.entries()) {
      const As: Float32Array[] = [];
      const bs: Float64Array[] = [];
      let sse = 0;
      try {
        for (let t = 0; t < S - 1; t++) {
          signal?.throwIfAborted();
          As.push(await predictor(ctx, variant, train.transitions[t], lam, d, a));
          bs.push(intercept(variant, As[t], train.mean[t], train.mean[t + 1], d));
          if (test) sse += test.count * (await meanSquaredResidual(ctx, test, t, As[t], bs[t], a, product));
          onProgress?.({ phase: 'solve', done: i * (S - 1) + t + 1, total: solves });
        }
      } catch (error) {
        // Too small a λ for f32 Cholesky is one failed candidate, not a failed fit.
        if (!(error instanceof NotPositiveDefiniteError) || lambdas.length === 1) throw error;
        failures.push(`λ = ${lam.toPrecision(3)}: ${error.message}`);
        continue;
      }
      if (!best || sse < best.sse) best = { lambda: lam, A: As, b: bs, sse };
    }
    if (!best) throw new Error(`fitDynamics: no λ on the grid gave a solvable ridge system:\n${failures.join('\n')}`);

    // 4. R² and block scales of the chosen predictors.
    const model: DynamicsModel = {
      variant,
      lambda: best.lambda,
      S,
      d,
      A: new Float32Array((S - 1) * d * d),
      b: new Float32Array((S - 1) * d),
      scales: new Float32Array(S),
      r2: new Float32Array(S - 1),
    };
    if (test) model.r2Heldout = new Float32Array(S - 1);
    // z's first block is x_1 itself: its RMS norm is √(tr Σ_11 + ‖x̄_1‖²).
    model.scales[0] = blockScale(train.trace[0] + squaredNorm(train.mean[0]));
    for (let t = 0; t < S - 1; t++) {
      model.A.set(best.A[t], t * d * d);
      model.b.set(best.b[t], t * d);
      const trainMse = await meanSquaredResidual(ctx, train, t, best.A[t], best.b[t], a, product);
      model.r2[t] = 1 - trainMse / train.trace[t + 1];
      model.scales[t + 1] = blockScale(trainMse);
      if (test && model.r2Heldout) model.r2Heldout[t] = 1 - (await meanSquaredResidual(ctx, test, t, best.A[t], best.b[t], a, product)) / test.trace[t + 1];
    }
    return model;
  } finally {
    a.destroy();
    product.destroy();
    for (const split of [results.train, results.heldout]) split?.forEach(destroyResult);
  }
}

/** Image i is held out when the evenly spread count of held-out images steps up at i (at least one when N ≥ 2). */
export function heldoutImages(N: number, fraction: number): boolean[] {
  const H = N >= 2 && fraction > 0 ? Math.max(1, Math.round(N * fraction)) : 0;
  return Array.from({ length: N }, (_, i) => Math.floor(((i + 1) * H) / N) > Math.floor((i * H) / N));
}

/** Covariance results per split: S − 1 transitions (x_{s-1}, x_s), then the last step alone. */
interface SplitResults {
  train: CovarianceResult[];
  heldout: CovarianceResult[] | null;
}

/** Streams all images through per-split accumulators; reads the next chunk while the GPU works on this one. */
async function accumulate(
  ctx: GpuContext,
  source: TrajectoryImages,
  heldout: boolean[],
  imagesPerChunk: number,
  onProgress: FitDynamicsOptions['onProgress'],
  signal: AbortSignal | undefined,
): Promise<SplitResults> {
  const { N, S, P, d } = source;
  const accumulators = () => [...Array.from({ length: S - 1 }, () => new CovarianceAccumulator(ctx, d, d)), new CovarianceAccumulator(ctx, d)];
  const train = accumulators();
  const test = heldout.includes(true) ? accumulators() : null;
  const chunkBytes = imagesPerChunk * S * P * d * 4;
  const images = ctx.createBuffer(chunkBytes, 'fit.images');
  const tokens = ctx.createBuffer(chunkBytes, 'fit.tokens');
  // Chunks never mix the splits: runs of same-split images, cut at imagesPerChunk.
  const chunks: Array<{ n0: number; n1: number; heldout: boolean }> = [];
  for (let n0 = 0; n0 < N; ) {
    let n1 = n0 + 1;
    while (n1 < N && n1 - n0 < imagesPerChunk && heldout[n1] === heldout[n0]) n1++;
    chunks.push({ n0, n1, heldout: heldout[n0] });
    n0 = n1;
  }
  let next: Promise<Float32Array> | null = source.readImages(chunks[0].n0, chunks[0].n1);
  try {
    for (const [i, { n0, n1, heldout: isHeldout }] of chunks.entries()) {
      const data: Float32Array = await next!;
      signal?.throwIfAborted();
      next = i + 1 < chunks.length ? source.readImages(chunks[i + 1].n0, chunks[i + 1].n1) : null;
      const count = n1 - n0;
      if (data.length !== count * S * P * d) {
        throw new RangeError(`fitDynamics: readImages(${n0}, ${n1}) returned ${data.length} values; [${count}, ${S}, ${P}, ${d}] needs ${count * S * P * d}`);
      }
      ctx.write(images, data);
      imagesToTokens(ctx, { images, tokens, count, S, P, d });
      const rows = count * P;
      const row = S * d;
      const accs = isHeldout ? test! : train;
      for (let t = 0; t < S - 1; t++) {
        accs[t].add({ x: tokens, rows, xOffset: t * d, xStride: row, y: tokens, yOffset: (t + 1) * d, yStride: row });
      }
      accs[S - 1].add({ x: tokens, rows, xOffset: (S - 1) * d, xStride: row });
      // Also the point after which `images` may be overwritten (queue order).
      await ctx.sync();
      onProgress?.({ phase: 'read', done: n1, total: N });
    }
    return { train: train.map((acc) => acc.finish()), heldout: test?.map((acc) => acc.finish()) ?? null };
  } finally {
    next?.catch(() => {});
    // finish() recorded work on the accumulators' buffers: submit it before they go.
    ctx.submit();
    for (const acc of [...train, ...(test ?? [])]) acc.destroy();
    images.destroy();
    tokens.destroy();
  }
}

function destroyResult(r: CovarianceResult): void {
  for (const buffer of [r.meanX, r.meanY, r.sxx, r.syx]) buffer?.destroy();
}

/** One split's moments: per step the mean and tr Σ_ss on the CPU; per transition Σ_xx (GPU) and Σ_yx (GPU and CPU). */
interface Moments {
  count: number;
  /** [S] of [d]. */
  mean: Float64Array[];
  /** [S]: tr Σ_ss, the total variance of step s. */
  trace: number[];
  transitions: Array<{ sxx: GPUBuffer; syx: GPUBuffer; sxxDiagonal: Float64Array; syxCpu: Float32Array }>;
}

async function readMoments(ctx: GpuContext, results: CovarianceResult[], d: number): Promise<Moments> {
  const mean: Float64Array[] = [];
  const trace: number[] = [];
  const transitions: Moments['transitions'] = [];
  for (const r of results) {
    mean.push(Float64Array.from(await ctx.readF32(r.meanX)));
    const sxx = await ctx.readF32(r.sxx);
    const sxxDiagonal = Float64Array.from({ length: d }, (_, j) => sxx[j * d + j]);
    trace.push(sxxDiagonal.reduce((sum, v) => sum + v, 0));
    if (r.syx) transitions.push({ sxx: r.sxx, syx: r.syx, sxxDiagonal, syxCpu: await ctx.readF32(r.syx) });
  }
  return { count: results[0].count, mean, trace, transitions };
}

/** The variant's A for one transition at ridge strength λ: [d, d] row-major, also left in `out` on the GPU. */
async function predictor(
  ctx: GpuContext,
  variant: DynamicsVariant,
  m: Moments['transitions'][number],
  lambda: number,
  d: number,
  out: GPUBuffer,
): Promise<Float32Array> {
  if (variant === 'full') {
    await ridgeSolve(ctx, { sxx: m.sxx, syx: m.syx, d, dy: d, lambda, out });
    return ctx.readF32(out, 0, d * d);
  }
  const A = new Float32Array(d * d);
  for (let j = 0; j < d; j++) {
    // diagonal: per-channel scalar ridge a_j = cov(y_j, x_j)/(var x_j + λ).
    if (variant === 'diagonal') A[j * d + j] = m.syxCpu[j * d + j] / (m.sxxDiagonal[j] + lambda);
    else if (variant === 'identity') A[j * d + j] = 1;
  }
  return A;
}

/** b = ȳ − A x̄ for the fitted variants; identity and none have b = 0 by definition (dynamics-file.ts). */
function intercept(variant: DynamicsVariant, A: Float32Array, meanX: Float64Array, meanY: Float64Array, d: number): Float64Array {
  if (variant === 'identity' || variant === 'none') return new Float64Array(d);
  return meanY.map((y, i) => y - dot(A, i * d, meanX));
}

/**
 * (1/N) Σ‖y − Ax − b‖² over a split, from its moments (see fitDynamics):
 * tr Σ_yy − 2⟨A, Σ_yx⟩ + ⟨A Σ_xx, A⟩ + ‖ȳ − A x̄ − b‖².
 */
async function meanSquaredResidual(
  ctx: GpuContext,
  m: Moments,
  t: number,
  A: Float32Array,
  b: Float64Array,
  a: GPUBuffer,
  product: GPUBuffer,
): Promise<number> {
  const d = b.length;
  ctx.write(a, A);
  matmul(ctx, { a, b: m.transitions[t].sxx, c: product, m: d, n: d, k: d });
  const ASxx = await ctx.readF32(product);
  const syx = m.transitions[t].syxCpu;
  let cross = 0;
  let quadratic = 0;
  for (let i = 0; i < d * d; i++) {
    cross += A[i] * syx[i];
    quadratic += ASxx[i] * A[i];
  }
  let bias = 0;
  for (let i = 0; i < d; i++) bias += (m.mean[t + 1][i] - dot(A, i * d, m.mean[t]) - b[i]) ** 2;
  // Rounding can push an exact fit a hair below zero.
  return Math.max(0, m.trace[t + 1] - 2 * cross + quadratic + bias);
}

/** Row `offset/d` of A (length v.length) times v, in float64. */
function dot(A: Float32Array, offset: number, v: Float64Array): number {
  let sum = 0;
  for (let j = 0; j < v.length; j++) sum += A[offset + j] * v[j];
  return sum;
}

function squaredNorm(v: Float64Array): number {
  return v.reduce((sum, x) => sum + x * x, 0);
}

/** RMS block norm √(mean ‖block‖²); a block with no energy at all is left unscaled (scales must be > 0). */
function blockScale(meanSquare: number): number {
  return meanSquare > 0 ? Math.sqrt(meanSquare) : 1;
}
