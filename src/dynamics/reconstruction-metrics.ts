import type { GpuContext } from '../gpu/context';
import { ErrorSums, type ColumnErrorTotals } from './error-sums';
import type { GpuDynamics } from './gpu-dynamics';
import { Residualizer } from './residualize';

/**
 * How ẑ is mapped back to x-space:
 * - 'teacher-forced': x̂_s = A_s x_{s-1} + b_s + ẑ_s·scale_s with the *recorded*
 *   x_{s-1}, as residualization itself uses it; step errors do
 *   not compound, so x-space FVU measures each step's reconstruction alone.
 * - 'free-running': the exact inverse of ẑ, x̂_s = A_s x̂_{s-1} + b_s + ẑ_s·scale_s;
 *   errors propagate through the dynamics, as they would when generating from codes.
 */
export type InverseMode = 'teacher-forced' | 'free-running';
export const INVERSE_MODES: readonly InverseMode[] = ['teacher-forced', 'free-running'];

export interface ReconstructionMetricsOptions {
  /** Largest batch `add` will be given. */
  maxTokens: number;
  /** Default 'teacher-forced'. */
  inverse?: InverseMode;
}

/** One SAE reconstruction batch. */
export interface ReconstructionBatch {
  /** [tokens, S, d]: the recorded trajectories. */
  x: GPUBuffer;
  /** [tokens, S, d]: their residualization, the SAE's input. */
  z: GPUBuffer;
  /** [tokens, S, d]: the SAE's reconstruction of z. */
  zHat: GPUBuffer;
  tokens: number;
}

/**
 * FVU = Σ‖x − x̂‖² / Σ‖x − x̄‖² over every token added: a ratio of sums, never a mean of per-batch ratios. x̄ is the
 * mean over all tokens of each (step, channel) coordinate, so the overall FVU
 * is that of the S·d-dim concatenation and step s's FVU uses x̄_s.
 */
export interface ReconstructionReport {
  tokens: number;
  inverse: InverseMode;
  fvuX: number;
  /** [S] */
  fvuXPerStep: Float64Array;
  /** The same in normalised z-space (the SAE's own objective). */
  fvuZ: number;
  /** [S] */
  fvuZPerStep: Float64Array;
}

/**
 * Streams SAE reconstructions and accumulates x-space and z-space FVU,
 * overall and per step, with GPU-side running sums (error-sums.ts); one
 * readback at the end.
 */
export class ReconstructionMetrics {
  readonly inverse: InverseMode;
  private readonly residualizer: Residualizer;
  private readonly xHat: GPUBuffer;
  private readonly xSums: ErrorSums;
  private readonly zSums: ErrorSums;

  constructor(
    ctx: GpuContext,
    private readonly dyn: GpuDynamics,
    options: ReconstructionMetricsOptions,
  ) {
    const { maxTokens, inverse = 'teacher-forced' } = options;
    if (!INVERSE_MODES.includes(inverse)) throw new RangeError(`inverse "${inverse}" is unknown. Should be one of: ${INVERSE_MODES.join(', ')}`);
    this.inverse = inverse;
    this.residualizer = new Residualizer(ctx, dyn, maxTokens);
    this.xHat = ctx.createBuffer(maxTokens * dyn.S * dyn.d * 4, 'metrics.xHat');
    this.xSums = new ErrorSums(ctx, dyn.S * dyn.d);
    this.zSums = new ErrorSums(ctx, dyn.S * dyn.d);
  }

  /** Records one batch (recorded into ctx's encoder; nothing is read back). */
  add({ x, z, zHat, tokens }: ReconstructionBatch): void {
    if (this.inverse === 'teacher-forced') this.residualizer.teacherForced({ x, zHat, xHat: this.xHat, tokens });
    else this.residualizer.invert({ z: zHat, x: this.xHat, tokens });
    this.xSums.add(x, this.xHat, tokens);
    this.zSums.add(z, zHat, tokens);
  }

  /** The FVUs of everything added so far. */
  async read(): Promise<ReconstructionReport> {
    const x = perStep(await this.xSums.read(), this.dyn.S, this.dyn.d);
    const z = perStep(await this.zSums.read(), this.dyn.S, this.dyn.d);
    return { tokens: this.xSums.count, inverse: this.inverse, fvuX: x.all, fvuXPerStep: x.steps, fvuZ: z.all, fvuZPerStep: z.steps };
  }

  destroy(): void {
    this.residualizer.destroy();
    this.xHat.destroy();
    this.xSums.destroy();
    this.zSums.destroy();
  }
}

/** Ratio of sums over all columns and over each step's d columns. */
function perStep(totals: ColumnErrorTotals, S: number, d: number): { all: number; steps: Float64Array } {
  const steps = new Float64Array(S);
  let sse = 0;
  let sst = 0;
  for (let s = 0; s < S; s++) {
    let stepSse = 0;
    let stepSst = 0;
    for (let j = s * d; j < (s + 1) * d; j++) {
      stepSse += totals.sse[j];
      stepSst += totals.sst[j];
    }
    steps[s] = stepSse / stepSst;
    sse += stepSse;
    sst += stepSst;
  }
  return { all: sse / sst, steps };
}
