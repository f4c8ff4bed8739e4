import type { GpuContext } from '../../gpu/context';
import { workgroupGrid } from '../../gpu/dispatch-grid';
import { f32 } from '../../gpu/params';
import { laneKernel } from '../../gpu/shaders';
import type { LatentBlocks } from '../latent-blocks';
import type { ActiveSet } from '../topk';
import type { SeedScale } from './loss';

const WG = 64;

/**
 * out[p] = seed scale · W_dec[latent[p], :] · vecs[row[p], :] + add for every active entry p
 * (shaders/sae-active-grad.wgsl): ∂L/∂f, which in TopK modes is ∂L/∂pre.
 * vecs: [rows, dIn] f32, the decoder's error matrix that `scale` turns into the seed; out: [capacity] f32.
 */
export function activeGradient(
  ctx: GpuContext,
  args: { decoder: readonly GPUBuffer[]; blocks: LatentBlocks; dIn: number; active: ActiveSet; vecs: GPUBuffer; scale: SeedScale; out: GPUBuffer; add?: number },
): void {
  const { decoder, blocks, dIn, active, vecs, scale, out, add = 0 } = args;
  const [x, y] = workgroupGrid(ctx, Math.ceil(active.capacity / WG));
  blocks.blocks.forEach((b, i) => {
    ctx.dispatch({
      shader: laneKernel('sae-active-grad', dIn).shader,
      bindings: [decoder[i], vecs, active.rowStart, active.latent, active.row, scale.scalars, out],
      params: [active.rows, dIn, b.start, b.count, active.capacity, f32(add), f32(scale.factor), x * WG],
      workgroups: [x, y],
    });
  });
}
