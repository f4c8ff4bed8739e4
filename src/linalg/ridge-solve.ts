import type { GpuContext } from '../gpu/context';
import { f32 } from '../gpu/params';
import { workgroupGrid } from '../gpu/dispatch-grid';
import { requireFinite, requireInteger, requireMatrix } from './checks';
import { matmul } from './matmul';

export interface RidgeSolveArgs {
  /** Σ_xx: [d, d] row-major f32, symmetric positive semi-definite. */
  sxx: GPUBuffer;
  /** Σ_yx: [dy, d] row-major f32. */
  syx: GPUBuffer;
  d: number;
  dy: number;
  /** λ ≥ 0, in units of activation variance (added to Σ_xx's diagonal). */
  lambda: number;
  /** A: [dy, d] row-major f32, written. */
  out: GPUBuffer;
  /** Steps of iterative refinement, A += (Σ_yx − A(Σ+λI))(Σ+λI)⁻¹. Default 1. */
  refinementSteps?: number;
}

/** Σ_xx + λI is not positive definite to f32 precision; names the first failing column. */
export class NotPositiveDefiniteError extends Error {
  constructor(
    readonly column: number,
    readonly lambda: number,
  ) {
    super(
      `ridgeSolve: Σ_xx + λI (λ = ${lambda}) is not positive definite to f32 precision (Cholesky pivot ${column} too small). ` +
        (lambda === 0
          ? 'Σ_xx is singular or nearly so (fewer rows than dimensions, constant or duplicated features): use λ > 0, e.g. 1e-3 (in units of activation variance).'
          : 'Σ_xx is badly conditioned for this λ: use a larger λ.'),
    );
    this.name = 'NotPositiveDefiniteError';
  }
}

/** Block size of the Cholesky factorisation: NB in shaders/cholesky-block.wgsl. */
const NB = 64;
const EPS32 = 2 ** -23;
const ELEMENTWISE_WG = 256;

/**
 * A = Σ_yx (Σ_xx + λI)⁻¹ on the GPU (the ridge fit of the dynamics x_s ≈ A x_{s−1} + b).
 *
 * Right-looking blocked Cholesky Σ + λI = L Lᵀ in blocks of 64: each diagonal
 * block is factored and inverted in one workgroup (cholesky-block.wgsl), the
 * panel below it is L21 = M21·L11⁻ᵀ and the trailing matrix M22 −= L21 L21ᵀ,
 * both by matmul. A L Lᵀ = Σ_yx is then two blocked triangular solves with
 * the dy rows of Σ_yx as right-hand sides: W = Σ_yx L⁻ᵀ (forward), A = W L⁻¹
 * (backward), again as matmuls against the inverted diagonal blocks. Iterative
 * refinement computes the residual R = Σ_yx − A(Σ+λI) and adds R(Σ+λI)⁻¹.
 * Everything is recorded on the GPU; the only readback is the pivot status.
 *
 * Throws NotPositiveDefiniteError when a pivot is ≤ 8·√d·eps times its
 * diagonal entry (e.g. λ = 0 with rank-deficient Σ).
 */
export async function ridgeSolve(ctx: GpuContext, args: RidgeSolveArgs): Promise<void> {
  const { d, dy, lambda, refinementSteps = 1 } = args;
  requireInteger('ridgeSolve d', d, 1);
  requireInteger('ridgeSolve dy', dy, 1);
  requireInteger('ridgeSolve refinementSteps', refinementSteps, 0);
  requireFinite('ridgeSolve lambda', lambda);
  if (lambda < 0) throw new RangeError(`ridgeSolve lambda = ${lambda}, but it must be ≥ 0`);
  requireMatrix('ridgeSolve sxx', args.sxx, { rows: d, cols: d, offset: 0, stride: d, bytesPerElement: 4 });
  requireMatrix('ridgeSolve syx', args.syx, { rows: dy, cols: d, offset: 0, stride: d, bytesPerElement: 4 });
  requireMatrix('ridgeSolve out', args.out, { rows: dy, cols: d, offset: 0, stride: d, bytesPerElement: 4 });
  if (args.out === args.syx || args.out === args.sxx) throw new Error('ridgeSolve: out must be a different buffer from sxx and syx');

  const blocks = Math.ceil(d / NB);
  const bytes = (n: number) => n * 4;
  const regularized = ctx.createBuffer(bytes(d * d), 'ridge.regularized');
  const work = ctx.createBuffer(bytes(d * d), 'ridge.work');
  const factor = ctx.createBuffer(bytes(d * d), 'ridge.L');
  const inverses = ctx.createBuffer(bytes(blocks * NB * NB), 'ridge.Linv');
  const status = ctx.createBuffer(4, 'ridge.status');
  const rhs = ctx.createBuffer(bytes(dy * d), 'ridge.rhs');
  const half = ctx.createBuffer(bytes(dy * d), 'ridge.W');
  const delta = ctx.createBuffer(bytes(dy * d), 'ridge.delta');
  try {
    elementwise(ctx, 'regularize', args.sxx, regularized, d * d, d, lambda);
    ctx.copy(regularized, 0, work, 0, bytes(d * d));
    factorize(ctx, { work, regularized, factor, inverses, status, d });

    ctx.copy(args.syx, 0, rhs, 0, bytes(dy * d));
    solve(ctx, { rhs, half, solution: args.out, factor, inverses, d, dy });
    for (let step = 0; step < refinementSteps; step++) {
      // rhs = Σ_yx − A(Σ+λI); A += rhs (Σ+λI)⁻¹.
      ctx.copy(args.syx, 0, rhs, 0, bytes(dy * d));
      matmul(ctx, { a: args.out, b: regularized, c: rhs, m: dy, n: d, k: d, alpha: -1, accumulate: true });
      solve(ctx, { rhs, half, solution: delta, factor, inverses, d, dy });
      elementwise(ctx, 'add_into', delta, args.out, dy * d, d, 0);
    }
    const [failed] = await ctx.readU32(status, 0, 1);
    if (failed !== 0) throw new NotPositiveDefiniteError(failed - 1, lambda);
  } finally {
    for (const b of [regularized, work, factor, inverses, status, rhs, half, delta]) b.destroy();
  }
}

/** work = L Lᵀ in place of its blocks: L into `factor`, the diagonal blocks' inverses into `inverses`. */
function factorize(
  ctx: GpuContext,
  b: { work: GPUBuffer; regularized: GPUBuffer; factor: GPUBuffer; inverses: GPUBuffer; status: GPUBuffer; d: number },
): void {
  const { d } = b;
  const minPivot = 8 * Math.sqrt(d) * EPS32;
  for (let k0 = 0; k0 < d; k0 += NB) {
    const nb = Math.min(NB, d - k0);
    const linvOffset = (k0 / NB) * NB * NB;
    ctx.dispatch({
      shader: 'cholesky-block',
      constants: { WG: 256 },
      bindings: [b.work, b.regularized, b.factor, b.inverses, b.status],
      params: [d, k0, nb, linvOffset, f32(minPivot)],
      workgroups: [1],
    });
    const after = k0 + nb;
    const rest = d - after;
    if (rest === 0) break;
    // L21 = M21 · L11⁻ᵀ
    matmul(ctx, {
      a: b.work, aOffset: after * d + k0, aStride: d,
      b: b.inverses, bOffset: linvOffset, bStride: NB,
      c: b.factor, cOffset: after * d + k0, cStride: d,
      m: rest, n: nb, k: nb, layout: 'nt',
    });
    // M22 −= L21 · L21ᵀ
    matmul(ctx, {
      a: b.factor, aOffset: after * d + k0, aStride: d,
      b: b.factor, bOffset: after * d + k0, bStride: d,
      c: b.work, cOffset: after * d + after, cStride: d,
      m: rest, n: rest, k: nb, layout: 'nt', alpha: -1, accumulate: true,
    });
  }
}

/**
 * solution = rhs (L Lᵀ)⁻¹ for the dy rows of rhs [dy, d] (rhs is overwritten).
 * Forward: half = rhs L⁻ᵀ, block column by block column, subtracting each
 * finished block from the later columns of rhs. Backward: solution = half L⁻¹,
 * from the last block column to the first.
 */
function solve(
  ctx: GpuContext,
  b: { rhs: GPUBuffer; half: GPUBuffer; solution: GPUBuffer; factor: GPUBuffer; inverses: GPUBuffer; d: number; dy: number },
): void {
  const { d, dy } = b;
  for (let k0 = 0; k0 < d; k0 += NB) {
    const nb = Math.min(NB, d - k0);
    const linvOffset = (k0 / NB) * NB * NB;
    // half[:, k] = rhs[:, k] · L_kk⁻ᵀ
    matmul(ctx, {
      a: b.rhs, aOffset: k0, aStride: d,
      b: b.inverses, bOffset: linvOffset, bStride: NB,
      c: b.half, cOffset: k0, cStride: d,
      m: dy, n: nb, k: nb, layout: 'nt',
    });
    const after = k0 + nb;
    if (after === d) break;
    // rhs[:, after..] −= half[:, k] · L[after.., k]ᵀ
    matmul(ctx, {
      a: b.half, aOffset: k0, aStride: d,
      b: b.factor, bOffset: after * d + k0, bStride: d,
      c: b.rhs, cOffset: after, cStride: d,
      m: dy, n: d - after, k: nb, layout: 'nt', alpha: -1, accumulate: true,
    });
  }
  for (let k0 = (Math.ceil(d / NB) - 1) * NB; k0 >= 0; k0 -= NB) {
    const nb = Math.min(NB, d - k0);
    const linvOffset = (k0 / NB) * NB * NB;
    // solution[:, k] = half[:, k] · L_kk⁻¹
    matmul(ctx, {
      a: b.half, aOffset: k0, aStride: d,
      b: b.inverses, bOffset: linvOffset, bStride: NB,
      c: b.solution, cOffset: k0, cStride: d,
      m: dy, n: nb, k: nb,
    });
    if (k0 === 0) break;
    // half[:, ..k] −= solution[:, k] · L[k, ..k]
    matmul(ctx, {
      a: b.solution, aOffset: k0, aStride: d,
      b: b.factor, bOffset: k0 * d, bStride: d,
      c: b.half, cOffset: 0, cStride: d,
      m: dy, n: k0, k: nb, alpha: -1, accumulate: true,
    });
  }
}

/** One thread per element of a [count / d, d] matrix (shaders/ridge-elementwise.wgsl). */
function elementwise(ctx: GpuContext, entryPoint: 'regularize' | 'add_into', source: GPUBuffer, target: GPUBuffer, count: number, d: number, lambda: number): void {
  ctx.dispatch({
    shader: 'ridge-elementwise',
    entryPoint,
    constants: { WG: ELEMENTWISE_WG },
    bindings: [source, target],
    params: [count, d, f32(lambda)],
    workgroups: workgroupGrid(ctx, Math.ceil(count / ELEMENTWISE_WG)),
  });
}
