import type { GpuContext } from '../gpu/context';
import { gridStrideGroups } from '../gpu/dispatch-grid';

/** Threads per workgroup of shaders/diffusion-capture-tokens.wgsl. */
const WG = 256;

/**
 * One image's trajectory at the hook, kept on the GPU while the image is
 * generated: `tokens` [S, P, C] f32, slot s = the s-th recorded step
 * (each spatial position p is one token, its activation x_s ∈ R^C).
 * The hooked activation arrives either as a GPU buffer (WebGPU provider: no
 * CPU round trip) or as f32 data (wasm provider: one upload per step).
 */
export class TrajectoryCapture {
  readonly tokens: GPUBuffer;
  private staging: GPUBuffer | null = null;

  constructor(
    private readonly ctx: GpuContext,
    readonly steps: number,
    readonly positions: number,
    readonly channels: number,
  ) {
    for (const [name, v] of [['steps', steps], ['positions', positions], ['channels', channels]] as const) {
      if (!Number.isInteger(v) || v <= 0) throw new RangeError(`TrajectoryCapture ${name} = ${v}, but it must be a positive integer`);
    }
    this.tokens = ctx.createBuffer(steps * positions * channels * 4, 'trajectory tokens [S, P, C]');
  }

  /**
   * Copies branch `branch` of a block output [B, C, P] into slot `slot`.
   * `source`: the graph's GPU output (f32 or, with `half`, f16), or f32 data on the CPU.
   */
  record(slot: number, branch: number, source: GPUBuffer | Float32Array, half = false): void {
    const { ctx, positions: P, channels: C } = this;
    if (!Number.isInteger(slot) || slot < 0 || slot >= this.steps) throw new RangeError(`capture slot ${slot} is outside 0..${this.steps - 1}`);
    let buffer: GPUBuffer;
    if (source instanceof Float32Array) {
      if (half) throw new RangeError('capture: CPU data is f32; half applies to GPU sources only');
      if (source.length < (branch + 1) * C * P) throw new RangeError(`capture: block output has ${source.length} values; branch ${branch} of [B, ${C}, ${P}] needs ${(branch + 1) * C * P}`);
      if (!this.staging || this.staging.size < source.byteLength) {
        this.staging?.destroy();
        this.staging = ctx.createBuffer(source.byteLength, 'hooked block output (uploaded)');
      }
      ctx.write(this.staging, source);
      buffer = this.staging;
    } else {
      const needed = ((branch + 1) * C * P * (half ? 2 : 4));
      if (source.size < needed) throw new RangeError(`capture: block output buffer holds ${source.size} bytes; branch ${branch} of [B, ${C}, ${P}] needs ${needed}`);
      buffer = source;
    }
    ctx.dispatch({
      shader: 'diffusion-capture-tokens',
      constants: { WG, HALF: half ? 1 : 0 },
      bindings: [buffer, this.tokens],
      params: [branch, C, P, slot],
      workgroups: [gridStrideGroups(ctx, C * P, WG)],
    });
    // Submit now: the next writeBuffer to the staging buffer, or ORT reusing its
    // output buffer, must come after this copy in queue order.
    ctx.submit();
  }

  /** The recorded trajectory, [S, P, C] f32. */
  async read(): Promise<Float32Array> {
    return this.ctx.readF32(this.tokens, 0, this.steps * this.positions * this.channels);
  }

  destroy(): void {
    this.tokens.destroy();
    this.staging?.destroy();
  }
}
