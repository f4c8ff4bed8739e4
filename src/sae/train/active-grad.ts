import type { GpuContext } from '../../gpu/context';
import { workgroupGrid } from '../../gpu/dispatch-grid';
import { f32 } from '../../gpu/params';
import { laneKernel } from '../../gpu/shaders';
import type { LatentBlocks } from '../latent-blocks';
import type { ActiveSet } from '../topk';

const WG = 64;

/**
 * out[p] = W_dec[latent[p], :] · vecs[row[p], :] + add for every active entry p
 * (shaders/sae-active-grad.wgsl): ∂L/∂f, which in TopK modes is ∂L/∂pre.
 * vecs: [rows, dIn] f32; out: [capacity] f32.
 */
export function activeGradient(
  ctx: GpuContext,
  args: { decoder: readonly GPUBuffer[]; blocks: LatentBlocks; dIn: number; active: ActiveSet; vecs: GPUBuffer; out: GPUBuffer; add?: number },
): void {
  const { decoder, blocks, dIn, active, vecs, out, add = 0 } = args;
  const [x, y] = workgroupGrid(ctx, Math.ceil(active.capacity / WG));
  blocks.blocks.forEach((b, i) => {
    ctx.dispatch({
      shader: laneKernel('sae-active-grad', dIn).shader,
      bindings: [decoder[i], vecs, active.rowStart, active.latent, active.row, out],
      params: [active.rows, dIn, b.start, b.count, active.capacity, f32(add), x * WG],
      workgroups: [x, y],
    });
  });
}
