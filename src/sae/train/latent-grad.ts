import type { GpuContext } from '../../gpu/context';
import { workgroupGrid } from '../../gpu/dispatch-grid';
import { laneKernel } from '../../gpu/shaders';
import type { LatentBlocks } from '../latent-blocks';
import type { LatentLists } from './csc';

const WG = 64;

/**
 * out[i] [count, dIn] (+)= Σ_{p in list(j)} weight[p] · vecs[row[p], :] for each latent j of block i
 * (shaders/sae-latent-grad.wgsl `row_sums`): grad W_dec with weight = f, vecs = ∂L/∂ẑ;
 * grad W_encᵀ with weight = ∂L/∂pre, vecs = z_c. weight: [capacity] f32; vecs: [rows, dIn].
 * With `sums` ([latents] f32), also sums[j] (+)= Σ_{p in list(j)} weight[p] in the same
 * dispatch (`row_and_weight_sums`): grad b_enc beside grad W_encᵀ.
 */
export function latentRowSums(
  ctx: GpuContext,
  args: { lists: LatentLists; blocks: LatentBlocks; dIn: number; weight: GPUBuffer; vecs: GPUBuffer; out: readonly GPUBuffer[]; sums?: GPUBuffer; accumulate: boolean },
): void {
  const { lists, blocks, dIn, weight, vecs, out, sums, accumulate } = args;
  const kernel = laneKernel('sae-latent-grad', dIn);
  const laneGroups = Math.ceil(dIn / (kernel.lanes * WG));
  blocks.blocks.forEach((b, i) => {
    const [x, y] = workgroupGrid(ctx, b.count * laneGroups);
    ctx.dispatch({
      shader: kernel.shader,
      entryPoint: sums ? 'row_and_weight_sums' : 'row_sums',
      bindings: [lists.entry, lists.latentStart, weight, lists.active.row, vecs, out[i], ...(sums ? [sums] : [])],
      params: [dIn, b.start, b.count, accumulate ? 1 : 0, x, laneGroups],
      workgroups: [x, y],
    });
  });
}
