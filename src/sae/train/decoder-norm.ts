import type { GpuContext } from '../../gpu/context';
import { workgroupGrid } from '../../gpu/dispatch-grid';
import type { LatentBlocks } from '../latent-blocks';

const WG = 64;

/**
 * grad_j −= (grad_j · w_j) w_j for every decoder row (shaders/sae-decoder-norm.wgsl
 * `remove_parallel`): with unit-norm rows, the step then only turns each direction.
 * decoder, grad: W_dec-shaped blocks [count, dIn].
 */
export function removeParallelGradient(ctx: GpuContext, args: { decoder: readonly GPUBuffer[]; grad: readonly GPUBuffer[]; blocks: LatentBlocks; dIn: number }): void {
  args.blocks.blocks.forEach((b, i) => {
    const [x, y] = workgroupGrid(ctx, Math.ceil(b.count / WG));
    ctx.dispatch({ shader: 'sae-decoder-norm', entryPoint: 'remove_parallel', bindings: [args.decoder[i], args.grad[i]], params: [args.dIn, b.count, x * WG], workgroups: [x, y] });
  });
}

/** w_j /= ‖w_j‖ for every decoder row (`normalize`), unless train_state says training diverged. */
export function normalizeDecoderRows(ctx: GpuContext, args: { decoder: readonly GPUBuffer[]; trainState: GPUBuffer; blocks: LatentBlocks; dIn: number }): void {
  args.blocks.blocks.forEach((b, i) => {
    const [x, y] = workgroupGrid(ctx, Math.ceil(b.count / WG));
    ctx.dispatch({ shader: 'sae-decoder-norm', entryPoint: 'normalize', bindings: [args.trainState, args.decoder[i]], params: [args.dIn, b.count, x * WG], workgroups: [x, y] });
  });
}
