import type { GpuContext } from '../gpu/context';
import { gridStrideGroups } from '../gpu/dispatch-grid';
import { matmul } from '../linalg/matmul';
import type { GpuDynamics } from './gpu-dynamics';

/** Threads per workgroup of shaders/residualize.wgsl. */
const WG = 256;

/** The batch to residualize: x → z. */
export interface ResidualizeArgs {
  /** [tokens, S, d] row-major f32: each token's recorded trajectory. */
  x: GPUBuffer;
  /** [tokens, S, d] (= [tokens, S·d]): written. */
  z: GPUBuffer;
  tokens: number;
}

/** The batch to invert: z → x. */
export interface InvertArgs {
  /** [tokens, S, d]. */
  z: GPUBuffer;
  /** [tokens, S, d]: written. */
  x: GPUBuffer;
  tokens: number;
  /** false drops the b_s terms: the linear part of the inverse, which maps decoder directions to feature trajectories v_k. Default true. */
  affine?: boolean;
}

/** A reconstruction ẑ mapped to x-space with the recorded previous steps. */
export interface TeacherForcedArgs {
  /** [tokens, S, d]: the recorded trajectories that ẑ approximates (after residualization). */
  x: GPUBuffer;
  /** [tokens, S, d]: a reconstruction of z. */
  zHat: GPUBuffer;
  /** [tokens, S, d]: written, x̂_s = A_s x_{s-1} + b_s + ẑ_s·scale_s with the recorded x_{s-1}. */
  xHat: GPUBuffer;
  tokens: number;
}

/**
 * Residualization z = [x_1; r_2; …; r_S] / scales with r_s = x_s − (A_s x_{s-1} + b_s)
 * and its exact inverse x_1 = z_1, x_s = A_s x_{s-1} + b_s + r_s, on token-major batches [tokens, S, d].
 *
 * Each step is one strided matmul pred = x_{s-1}·A_sᵀ (the step s-1 block of
 * every row, row stride S·d) into a [maxTokens, d] scratch buffer, then one
 * elementwise kernel (shaders/residualize.wgsl). The free-running inverse is
 * sequential over s; the scratch is what lets step s read step s-1 of the same
 * output buffer (WebGPU forbids binding one buffer as both read-only and
 * writable storage in a dispatch).
 *
 * All variants go through the dense A (`diagonal`, `identity` and `none` are
 * stored as dense matrices, dynamics-file.ts), so `none` (A = 0, b = 0) yields
 * z = x / scales: the non-residualized concat baseline, still block-normalised.
 */
export class Residualizer {
  private readonly pred: GPUBuffer;

  constructor(
    private readonly ctx: GpuContext,
    private readonly dyn: GpuDynamics,
    /** Largest batch any call will pass. */
    readonly maxTokens: number,
  ) {
    if (!Number.isInteger(maxTokens) || maxTokens < 1) throw new RangeError(`Residualizer maxTokens = ${maxTokens}, but it must be an integer ≥ 1`);
    this.pred = ctx.createBuffer(maxTokens * dyn.d * 4, 'residualize.pred');
  }

  /** z ← residualize(x). Recorded into ctx's encoder. */
  residualize({ x, z, tokens }: ResidualizeArgs): void {
    this.check(tokens, { x, z });
    for (let s = 0; s < this.dyn.S; s++) {
      this.predict(x, s, tokens);
      this.finish('residualize', x, z, s, tokens, true);
    }
  }

  /** x ← inverse(z), free-running: x_1 = z_1·scale_1, x_s = A_s x_{s-1} + b_s + z_s·scale_s. */
  invert({ z, x, tokens, affine = true }: InvertArgs): void {
    this.check(tokens, { z, x });
    for (let s = 0; s < this.dyn.S; s++) {
      this.predict(x, s, tokens);
      this.finish('reconstruct', z, x, s, tokens, affine);
    }
  }

  /** x̂ ← the teacher-forced inverse of ẑ: each step predicted from the recorded previous step. */
  teacherForced({ x, zHat, xHat, tokens }: TeacherForcedArgs): void {
    this.check(tokens, { x, zHat, xHat });
    for (let s = 0; s < this.dyn.S; s++) {
      this.predict(x, s, tokens);
      this.finish('reconstruct', zHat, xHat, s, tokens, true);
    }
  }

  destroy(): void {
    this.pred.destroy();
  }

  private check(tokens: number, buffers: Record<string, GPUBuffer>): void {
    if (!Number.isInteger(tokens) || tokens < 0 || tokens > this.maxTokens) {
      throw new RangeError(`tokens = ${tokens}, but it must be an integer in [0, ${this.maxTokens}] (this Residualizer's maxTokens)`);
    }
    const { S, d } = this.dyn;
    const needed = tokens * S * d * 4;
    for (const [name, buffer] of Object.entries(buffers)) {
      if (buffer.size < needed) {
        throw new RangeError(`${name} ("${buffer.label}") holds ${buffer.size} bytes; [${tokens}, ${S}, ${d}] f32 needs ${needed}`);
      }
    }
    const names = Object.keys(buffers);
    const values = Object.values(buffers);
    values.forEach((buffer, i) => {
      const j = values.indexOf(buffer);
      if (j !== i) throw new Error(`${names[j]} and ${names[i]} are the same buffer; the output must be a separate buffer`);
    });
  }

  /** pred ← x_{s-1}·A_sᵀ for every token (nothing for the first step). */
  private predict(from: GPUBuffer, s: number, tokens: number): void {
    if (s === 0) return;
    const { S, d } = this.dyn;
    matmul(this.ctx, {
      a: from,
      b: this.dyn.A,
      c: this.pred,
      m: tokens,
      n: d,
      k: d,
      layout: 'nt',
      aOffset: (s - 1) * d,
      aStride: S * d,
      bOffset: (s - 1) * d * d,
    });
  }

  private finish(entryPoint: 'residualize' | 'reconstruct', src: GPUBuffer, dst: GPUBuffer, s: number, tokens: number, affine: boolean): void {
    const { S, d } = this.dyn;
    this.ctx.dispatch({
      shader: 'residualize',
      entryPoint,
      constants: { WG },
      bindings: [src, this.pred, this.dyn.b, this.dyn.scales, dst],
      params: [tokens, S, d, s, affine ? 1 : 0],
      workgroups: [gridStrideGroups(this.ctx, tokens * d, WG)],
    });
  }
}
