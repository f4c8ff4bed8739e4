import type { GpuContext } from '../../gpu/context';
import { workgroupThreads } from '../../gpu/dispatch-grid';
import { exclusiveScanU32 } from '../exclusive-scan';
import type { ActiveSet } from '../topk';
import type { SeedScale } from './loss';

const WG = 64;
/**
 * The fewest rows one thread of shaders/sae-csc.wgsl walks, and the most
 * threads (chunks): the counters and their scan grow as latents × chunks.
 */
const MIN_ROWS_PER_THREAD = 16;
const MAX_CHUNKS = 64;

/**
 * An active set read by latent (shaders/sae-csc.wgsl): latent j's list is
 * items[start[j · stride] .. start[(j + 1) · stride]), rows ascending, each
 * item (row, f · seed scale, ∂L/∂pre, CSR position) as four u32.
 */
export class LatentLists {
  /** Rows a thread of the build walks, and chunks (threads): `stride`. */
  private readonly rowsPerThread: number;
  readonly stride: number;
  /** [latents · stride] u32: per-chunk counts. */
  private readonly count: GPUBuffer;
  /** [latents · stride + 1] u32 */
  readonly start: GPUBuffer;
  /** [capacity] vec4<u32> */
  readonly items: GPUBuffer;

  constructor(
    private readonly ctx: GpuContext,
    readonly active: ActiveSet,
    label: string,
  ) {
    this.rowsPerThread = Math.max(MIN_ROWS_PER_THREAD, Math.ceil(active.rows / MAX_CHUNKS));
    this.stride = Math.ceil(active.rows / this.rowsPerThread);
    this.count = ctx.createBuffer(active.latents * this.stride * 4, `${label}.count`);
    this.start = ctx.createBuffer((active.latents * this.stride + 1) * 4, `${label}.start`);
    this.items = ctx.createBuffer(active.capacity * 16, `${label}.items`);
  }

  /**
   * Records the rebuild of the lists from the active set's current contents:
   * each entry's decoder dot (`dots`, [capacity] f32, decoder-dots.ts) becomes
   * ∂L/∂pre = seed scale · dot + `add` (L1's constant gradient in ReLU mode),
   * and its f carries the seed scale.
   */
  build(dots: GPUBuffer, scale: SeedScale, add = 0): void {
    const { ctx, active, stride } = this;
    const params = [active.rows, stride, this.rowsPerThread, active.capacity, active.latents, { f32: scale.factor }, { f32: add }];
    // A thread a chunk: on a CPU adapter, chunks in small workgroups spread over its cores.
    const wg = workgroupThreads(ctx, WG);
    const groups: [number] = [Math.ceil(stride / wg)];
    const constants = { WG: wg };
    ctx.dispatch({ shader: 'sae-csc', entryPoint: 'count', bindings: [active.rowStart, active.latent, this.count], params, constants, workgroups: groups });
    exclusiveScanU32(ctx, this.count, this.start, active.latents * stride);
    ctx.dispatch({
      shader: 'sae-csc',
      entryPoint: 'fill',
      bindings: [active.rowStart, active.latent, active.value, dots, scale.scalars, this.start, this.count, this.items],
      params,
      constants,
      workgroups: groups,
    });
  }

  destroy(): void {
    for (const b of [this.count, this.start, this.items]) b.destroy();
  }
}
