import type { GpuContext } from '../../gpu/context';
import { workgroupGrid } from '../../gpu/dispatch-grid';
import type { LatentBlocks } from '../latent-blocks';
import type { LatentLists } from './csc';

const WG = 64;
/** Columns per row_sums thread (shaders/sae-latent-grad.wgsl COLS). */
const COLS = 4;

/**
 * out[i] [count, dIn] (+)= Σ_{p in list(j)} weight[p] · vecs[row[p], :] for each latent j of block i
 * (shaders/sae-latent-grad.wgsl `row_sums`): grad W_dec with weight = f, vecs = ∂L/∂ẑ;
 * grad W_encᵀ with weight = ∂L/∂pre, vecs = z_c. weight: [capacity] f32; vecs: [rows, dIn].
 */
export function latentRowSums(
  ctx: GpuContext,
  args: { lists: LatentLists; blocks: LatentBlocks; dIn: number; weight: GPUBuffer; vecs: GPUBuffer; out: readonly GPUBuffer[]; accumulate: boolean },
): void {
  const { lists, blocks, dIn, weight, vecs, out, accumulate } = args;
  const colGroups = Math.ceil(dIn / (COLS * WG));
  blocks.blocks.forEach((b, i) => {
    const [x, y] = workgroupGrid(ctx, b.count * colGroups);
    ctx.dispatch({
      shader: 'sae-latent-grad',
      entryPoint: 'row_sums',
      bindings: [lists.entry, lists.latentStart, weight, lists.active.row, vecs, out[i]],
      params: [dIn, b.start, b.count, accumulate ? 1 : 0, x, colGroups],
      workgroups: [x, y],
    });
  });
}

/** sums[j] (+)= Σ_{p in list(j)} weight[p] for every latent (`weight_sums`): grad b_enc. sums: [latents] f32. */
export function latentWeightSums(ctx: GpuContext, args: { lists: LatentLists; weight: GPUBuffer; sums: GPUBuffer; accumulate: boolean }): void {
  const { lists, weight, sums, accumulate } = args;
  const m = lists.active.latents;
  const [x, y] = workgroupGrid(ctx, Math.ceil(m / WG));
  ctx.dispatch({
    shader: 'sae-latent-grad',
    entryPoint: 'weight_sums',
    bindings: [lists.entry, lists.latentStart, weight, sums],
    params: [0, 0, m, accumulate ? 1 : 0, x, 0],
    workgroups: [x, y],
  });
}
