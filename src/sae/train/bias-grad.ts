import type { GpuContext } from '../../gpu/context';
import { workgroupThreads } from '../../gpu/dispatch-grid';
import { laneKernel } from '../../gpu/shaders';
import type { LatentBlocks } from '../latent-blocks';

const WG = 64;

/**
 * grad b_dec = Σ_r ∂L/∂ẑ_r − Σ_j grad_b_enc[j] · W_enc[:, j] (shaders/sae-bias-grad.wgsl):
 * b_dec enters the decoder output and, negated, the encoder input.
 * seedSums: [dIn] Σ_r ∂L/∂ẑ_r (LossBuffers.seedSums); gradBEnc: [latents]; encoder: W_encᵀ blocks; out: [dIn].
 */
export function bDecGradient(
  ctx: GpuContext,
  args: { seedSums: GPUBuffer; dIn: number; gradBEnc: GPUBuffer; encoder: readonly GPUBuffer[]; blocks: LatentBlocks; out: GPUBuffer },
): void {
  const { seedSums, dIn, gradBEnc, encoder, blocks, out } = args;
  const kernel = laneKernel('sae-bias-grad', dIn);
  // A thread a column, each summing over every latent: on a CPU adapter, small workgroups spread the columns over its cores.
  const wg = workgroupThreads(ctx, WG);
  const groups = Math.ceil(dIn / (kernel.lanes * wg));
  blocks.blocks.forEach((b, i) => {
    ctx.dispatch({
      shader: kernel.shader,
      entryPoint: 'encoder_side',
      bindings: [encoder[i], gradBEnc, seedSums, out],
      params: [dIn, b.start, b.count],
      constants: { WG: wg },
      workgroups: [groups],
    });
  });
}
