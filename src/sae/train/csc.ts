import type { GpuContext } from '../../gpu/context';
import { workgroupGrid } from '../../gpu/dispatch-grid';
import { exclusiveScanU32 } from '../exclusive-scan';
import type { ActiveSet } from '../topk';

const WG = 64;

/**
 * An active set read by latent (shaders/sae-csc.wgsl): the CSR positions of
 * latent j's entries are entry[latentStart[j] .. latentStart[j + 1]), rows ascending.
 * (Fresh buffers are zero, and each build's scan leaves the counts zero again.)
 */
export class LatentLists {
  /** [latents] u32: scratch for the per-latent counts, zero between builds (the scan clears it). */
  private readonly count: GPUBuffer;
  /** [latents + 1] u32 */
  readonly latentStart: GPUBuffer;
  /** [capacity] u32: positions into the active set's lists. */
  readonly entry: GPUBuffer;

  constructor(
    private readonly ctx: GpuContext,
    readonly active: ActiveSet,
    label: string,
  ) {
    this.count = ctx.createBuffer(active.latents * 4, `${label}.count`);
    this.latentStart = ctx.createBuffer((active.latents + 1) * 4, `${label}.latentStart`);
    this.entry = ctx.createBuffer(active.capacity * 4, `${label}.entry`);
  }

  /** Records the rebuild of the lists from the active set's current contents. */
  build(): void {
    const { ctx, active } = this;
    const m = active.latents;
    const [cx, cy] = workgroupGrid(ctx, Math.ceil(active.capacity / WG));
    ctx.dispatch({ shader: 'sae-csc', entryPoint: 'count', bindings: [active.rowStart, active.latent, this.count], params: [active.rows, m, active.capacity, cx], workgroups: [cx, cy] });
    exclusiveScanU32(ctx, this.count, this.latentStart, m, { clear: true });
    const [fx, fy] = workgroupGrid(ctx, Math.ceil(m / WG));
    ctx.dispatch({
      shader: 'sae-csc',
      entryPoint: 'fill',
      bindings: [active.rowStart, active.latent, this.latentStart, this.entry],
      params: [active.rows, m, active.capacity, fx],
      workgroups: [fx, fy],
    });
  }

  destroy(): void {
    for (const b of [this.count, this.latentStart, this.entry]) b.destroy();
  }
}
