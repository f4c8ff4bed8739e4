import type { GpuContext } from '../../gpu/context';
import { workgroupGrid } from '../../gpu/dispatch-grid';
import { laneKernel } from '../../gpu/shaders';
import type { LatentBlocks } from '../latent-blocks';
import type { ActiveSet } from '../topk';

const WG = 64;

/**
 * out[p] = W_dec[latent[p], :] · vecs[row[p], :] for every active entry p
 * (shaders/sae-decoder-dots.wgsl): ∂L/∂f before the seed scale, which the
 * lists' fill applies (csc.ts). vecs: [rows, dIn] f32, the decoder's error matrix; out: [capacity] f32.
 */
export function decoderDots(ctx: GpuContext, args: { decoder: readonly GPUBuffer[]; blocks: LatentBlocks; dIn: number; active: ActiveSet; vecs: GPUBuffer; out: GPUBuffer }): void {
  const { decoder, blocks, dIn, active, vecs, out } = args;
  const [x, y] = workgroupGrid(ctx, Math.ceil(active.capacity / WG));
  blocks.blocks.forEach((b, i) => {
    ctx.dispatch({
      shader: laneKernel('sae-decoder-dots', dIn).shader,
      bindings: [decoder[i], vecs, active.rowStart, active.latent, active.row, out],
      params: [active.rows, dIn, b.start, b.count, active.capacity, x * WG],
      workgroups: [x, y],
    });
  });
}
