import type { GpuContext } from '../gpu/context';
import { gridStrideGroups } from '../gpu/dispatch-grid';

/** Threads per workgroup of shaders/diffusion-steer-delta.wgsl. */
const WG = 256;

/** One latent to add or remove during a generation. */
export interface SteeredLatent {
  latent: number;
  /** v_k[s] at each recorded step, de-normalised into activation space: [S, C]. */
  trajectory: Float32Array;
  /**
   * Addition: α and c_k, the latent's activation-space scale of one unit of α
   * (m_k, or 1/ρ_k in units of the mean activation norm: steering-units.ts);
   * the delta is α·c_k·v_k[s] at every masked position.
   */
  alpha: number;
  scale: number;
  /** Ablation instead: f_k(n, p) as the SAE encodes the unsteered run, [P]; the delta is −f_k(n, p)·v_k[s]. */
  ablate?: Float32Array;
}

/** What to steer, where and when. Call indices count UNet calls from 0. */
export interface SteeringPlan {
  latents: SteeredLatent[];
  /** UNet call index of each recorded step [S] (ascending): where v_k[s] is known; interpolated in between. */
  recordedCalls: readonly number[];
  /** Steer at calls start ≤ i < end. */
  window: readonly [number, number];
  /** Weight per hook position [P] (1 = steer, 0 = leave); null = everywhere. */
  mask: Float32Array | null;
  /** Add to the conditional CFG branch only (batch index 1), not the unconditional one. */
  conditionalOnly: boolean;
}

/**
 * Fails on a plan that does not fit a hook of C channels and P positions,
 * naming the bad field.
 */
export function validateSteeringPlan(plan: SteeringPlan, C: number, P: number, calls: number): void {
  const S = plan.recordedCalls.length;
  if (S === 0 || plan.recordedCalls.some((c, i) => !Number.isInteger(c) || c < 0 || (i > 0 && c <= plan.recordedCalls[i - 1]))) {
    throw new RangeError(`steering recordedCalls must be ascending call indices, got [${plan.recordedCalls.join(', ')}]`);
  }
  const [start, end] = plan.window;
  if (!Number.isInteger(start) || !Number.isInteger(end) || start < 0 || end > calls || start >= end) {
    throw new RangeError(`steering window ${start}:${end} must satisfy 0 ≤ start < end ≤ ${calls} (the run's UNet calls)`);
  }
  if (plan.mask && plan.mask.length !== P) throw new RangeError(`steering mask has ${plan.mask.length} values; the hook has ${P} positions`);
  if (plan.latents.length === 0) throw new RangeError('steering needs at least one latent');
  for (const l of plan.latents) {
    if (l.trajectory.length !== S * C) throw new RangeError(`latent ${l.latent}: trajectory has ${l.trajectory.length} values; [S, C] = [${S}, ${C}] needs ${S * C}`);
    if (l.ablate && l.ablate.length !== P) throw new RangeError(`latent ${l.latent}: ablation activations have ${l.ablate.length} values; the hook has ${P} positions`);
    if (!l.ablate && !(Number.isFinite(l.alpha) && Number.isFinite(l.scale))) throw new RangeError(`latent ${l.latent}: alpha ${l.alpha} and scale ${l.scale} must be finite`);
  }
}

/**
 * v at UNet call `call` from its values at the recorded calls: linear between
 * neighbours, the nearest recorded value outside their range. `out`: [C].
 */
export function interpolateTrajectory(trajectory: Float32Array, recordedCalls: readonly number[], C: number, call: number, out: Float32Array): void {
  const S = recordedCalls.length;
  let hi = recordedCalls.findIndex((c) => c >= call);
  if (hi === -1) hi = S - 1;
  const lo = recordedCalls[hi] > call && hi > 0 ? hi - 1 : hi;
  const span = recordedCalls[hi] - recordedCalls[lo];
  const w = span > 0 ? Math.min(1, Math.max(0, (call - recordedCalls[lo]) / span)) : 0;
  for (let c = 0; c < C; c++) out[c] = (1 - w) * trajectory[lo * C + c] + w * trajectory[hi * C + c];
}

/**
 * Average-pools a mask painted at image resolution ([imageH, imageW], values
 * in [0, 1]) down to the hook's grid [H, W] (P = H·W, row-major).
 */
export function maskToHookGrid(mask: Float32Array, imageW: number, imageH: number, W: number, H: number): Float32Array {
  if (mask.length !== imageW * imageH) throw new RangeError(`mask has ${mask.length} values; ${imageW}×${imageH} needs ${imageW * imageH}`);
  const out = new Float32Array(W * H);
  for (let y = 0; y < H; y++) {
    const y0 = Math.floor((y * imageH) / H);
    const y1 = Math.max(y0 + 1, Math.floor(((y + 1) * imageH) / H));
    for (let x = 0; x < W; x++) {
      const x0 = Math.floor((x * imageW) / W);
      const x1 = Math.max(x0 + 1, Math.floor(((x + 1) * imageW) / W));
      let sum = 0;
      for (let yy = y0; yy < y1; yy++) for (let xx = x0; xx < x1; xx++) sum += mask[yy * imageW + xx];
      out[y * W + x] = sum / ((y1 - y0) * (x1 - x0));
    }
  }
  return out;
}

/**
 * Writes the `steer_<hook>` input of a hooked UNet for each call: zero
 * outside the window, Σ_j coef[j, p]·v_j(call)[c] inside (the WGSL kernel
 * does the B·C·P product; the CPU prepares J·C directions and J·P weights).
 */
export class SteeringWriter {
  readonly delta: GPUBuffer;
  private readonly dir: GPUBuffer;
  private readonly coef: GPUBuffer;
  private readonly dirHost: Float32Array;
  private readonly scratch: Float32Array;

  /** batch: the UNet's batch (2 with CFG); half: the steer input is fp16 (a GPU feed to an fp16 graph). */
  constructor(
    private readonly ctx: GpuContext,
    private readonly plan: SteeringPlan,
    readonly batch: number,
    readonly channels: number,
    readonly positions: number,
    readonly half: boolean,
    calls: number,
  ) {
    validateSteeringPlan(plan, channels, positions, calls);
    const J = plan.latents.length;
    const P = positions;
    this.dir = ctx.createBuffer(J * channels * 4, 'steer.directions [J, C]');
    this.dirHost = new Float32Array(J * channels);
    this.scratch = new Float32Array(channels);
    const coef = new Float32Array(J * P);
    plan.latents.forEach((l, j) => {
      for (let p = 0; p < P; p++) {
        const m = plan.mask ? plan.mask[p] : 1;
        coef[j * P + p] = (l.ablate ? -l.ablate[p] : l.alpha * l.scale) * m;
      }
    });
    this.coef = ctx.upload(coef, 'steer.weights [J, P]');
    const elements = batch * channels * P;
    this.delta = ctx.createBuffer((half ? Math.ceil(elements / 2) : elements) * 4, 'steer input [B, C, P]');
  }

  /** Whether call `call` is inside the steering window. */
  active(call: number): boolean {
    return call >= this.plan.window[0] && call < this.plan.window[1];
  }

  /** Records the kernel that fills `delta` for call `call` (inside the window). */
  write(call: number): GPUBuffer {
    const { ctx, plan, channels: C, positions: P } = this;
    plan.latents.forEach((l, j) => {
      interpolateTrajectory(l.trajectory, plan.recordedCalls, C, call, this.scratch);
      this.dirHost.set(this.scratch, j * C);
    });
    ctx.write(this.dir, this.dirHost);
    const words = this.half ? Math.ceil((this.batch * C * P) / 2) : this.batch * C * P;
    ctx.dispatch({
      shader: 'diffusion-steer-delta',
      constants: { WG, HALF: this.half ? 1 : 0 },
      bindings: [this.dir, this.coef, this.delta],
      params: [this.batch, C, P, plan.latents.length, plan.conditionalOnly ? 0b10 : (1 << this.batch) - 1],
      workgroups: [gridStrideGroups(ctx, words, WG)],
    });
    // Submit now, so the delta is written before ORT's next run reads it and before the next call's directions overwrite `dir`.
    ctx.submit();
    return this.delta;
  }

  /** The delta of the last `write` on the CPU (wasm provider), f32 [B, C, P]. */
  async read(): Promise<Float32Array> {
    if (this.half) throw new Error('SteeringWriter.read: an fp16 delta is fed on the GPU, not read back');
    return this.ctx.readF32(this.delta, 0, this.batch * this.channels * this.positions);
  }

  destroy(): void {
    this.delta.destroy();
    this.dir.destroy();
    this.coef.destroy();
  }
}
