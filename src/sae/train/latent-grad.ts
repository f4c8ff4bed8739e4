import type { GpuContext } from '../../gpu/context';
import { fittedWorkgroup, workgroupGrid } from '../../gpu/dispatch-grid';
import { laneKernel } from '../../gpu/shaders';
import type { LatentBlocks } from '../latent-blocks';
import type { LatentLists } from './csc';

const WG = 64;

/**
 * grad W_dec, grad W_encᵀ and grad b_enc from the per-latent lists (shaders/sae-latent-grad.wgsl),
 * one dispatch per latent block: for each latent j,
 *   gradDec[j] (+)= Σ f · seed scale · errors_r,  gradEnc[j] (+)= Σ ∂L/∂pre · (z_r − b_dec),  gradBEnc[j] (+)= Σ ∂L/∂pre
 * over its list. errors: the decoder's error matrix the lists' scale belongs to; z, errors: [rows, dIn] f32.
 * `accumulate`: add (the AuxK lists after the main ones).
 */
export function latentGradients(
  ctx: GpuContext,
  args: {
    lists: LatentLists;
    blocks: LatentBlocks;
    dIn: number;
    errors: GPUBuffer;
    z: GPUBuffer;
    bDec: GPUBuffer;
    gradDec: readonly GPUBuffer[];
    gradEnc: readonly GPUBuffer[];
    gradBEnc: GPUBuffer;
    accumulate: boolean;
  },
): void {
  const { lists, blocks, dIn, errors, z, bDec, gradDec, gradEnc, gradBEnc, accumulate } = args;
  const kernel = laneKernel('sae-latent-grad', dIn);
  // A thread takes two Lanes of a latent's rows (d and d + ⌈n / 2⌉), in a workgroup fitted to them.
  const threads = Math.ceil(dIn / kernel.lanes / 2);
  const wg = fittedWorkgroup(threads, WG);
  const laneGroups = Math.ceil(threads / wg);
  blocks.blocks.forEach((b, i) => {
    const [x, y] = workgroupGrid(ctx, b.count * laneGroups);
    ctx.dispatch({
      shader: kernel.shader,
      bindings: [lists.items, lists.start, errors, z, bDec, gradDec[i], gradEnc[i], gradBEnc],
      params: [dIn, b.start, b.count, accumulate ? 1 : 0, x, laneGroups, lists.stride],
      constants: { WG: wg },
      workgroups: [x, y],
    });
  });
}
