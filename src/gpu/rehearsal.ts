import { GpuContext, type DispatchDescription } from './context';
import { pipelineKey, type PipelineKey } from './pipelines';

/**
 * A dry run of GPU work: a GpuContext on the same device and pipeline cache
 * whose dispatches record their pipeline and run nothing. Buffers are
 * stand-ins of the right size (no memory), writes and copies are dropped,
 * reads return zeros. Running a flow's own code on it (a training step, a fit
 * on a stand-in source with the real sizes) lists exactly the pipelines the
 * flow would compile, with no hand-kept list to drift from the kernels.
 */
export class RehearsalContext extends GpuContext {
  /** Pipelines dispatched so far, by cache key, in first-use order. */
  readonly keys = new Map<string, PipelineKey>();

  constructor(of: GpuContext) {
    super(of.device, of.summary, { pipelines: of.pipelines });
  }

  override createBuffer(byteLength: number, label: string, usage = GPUBufferUsage.STORAGE | GPUBufferUsage.COPY_SRC | GPUBufferUsage.COPY_DST): GPUBuffer {
    const size = Math.max(4, Math.ceil(byteLength / 4) * 4);
    return { size, usage, label, mapState: 'unmapped', destroy() {} } as unknown as GPUBuffer;
  }

  override upload(data: ArrayBufferView, label: string): GPUBuffer {
    return this.createBuffer(data.byteLength, label);
  }

  override write(): void {}

  override dispatch(d: DispatchDescription): void {
    const key = { shader: d.shader, entryPoint: d.entryPoint ?? 'main', constants: d.constants ?? {} };
    this.keys.set(pipelineKey(key), key);
  }

  override copy(): void {}
  override closePass(): void {}
  override emptyPass(): void {}
  override submit(): void {}
  override async sync(): Promise<void> {}

  override async readBytes(buffer: GPUBuffer, byteOffset = 0, byteLength = buffer.size - byteOffset): Promise<ArrayBuffer> {
    return new ArrayBuffer(byteLength);
  }

  /** Never releases the device: it belongs to the context rehearsed on. */
  override destroy(): void {}
}

export interface Rehearsal {
  /** Every pipeline the work dispatched, ready for `ctx.pipelines.prewarm`. */
  keys: PipelineKey[];
  /**
   * What the work threw, if anything: on zeros instead of data a flow may
   * stop early (a check on read-back values); the pipelines up to there are
   * still listed, the rest compile at first dispatch as without a rehearsal.
   */
  error?: unknown;
}

/** Runs `work` on a RehearsalContext of `ctx` and lists the pipelines it dispatched. */
export async function rehearse(ctx: GpuContext, work: (dry: GpuContext) => unknown): Promise<Rehearsal> {
  const dry = new RehearsalContext(ctx);
  try {
    await work(dry);
    return { keys: [...dry.keys.values()] };
  } catch (error) {
    return { keys: [...dry.keys.values()], error };
  }
}

/**
 * Compiles, asynchronously and all at once, every pipeline `work` would
 * dispatch (found by rehearsing it): what a page calls when it opens so the
 * flow's first dispatch does not wait on compilation. Resolves with the
 * rehearsal once all are compiled; `ctx.pipelines.ready()` waits for the same.
 */
export async function prewarmFor(ctx: GpuContext, work: (dry: GpuContext) => unknown): Promise<Rehearsal> {
  const rehearsal = await rehearse(ctx, work);
  await ctx.pipelines.prewarm(rehearsal.keys);
  return rehearsal;
}
