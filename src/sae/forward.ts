import type { GpuContext } from '../gpu/context';
import { laneKernel } from '../gpu/shaders';
import { matmul } from '../linalg/matmul';
import type { LatentBlocks } from './latent-blocks';
import type { SaeModel } from './sae-model';
import type { ActiveSet } from './topk';

/** Threads a workgroup of shaders/sae-encode.wgsl and sae-decode.wgsl: each covers WG Lanes of a row. */
const WG = 64;

/** z_c = z − b_dec (shaders/sae-encode.wgsl `center`). z, centered: [rows, dIn] f32; bDec: [dIn]. */
export function centerInput(ctx: GpuContext, z: GPUBuffer, bDec: GPUBuffer, centered: GPUBuffer, rows: number, dIn: number): void {
  requireFloats('centerInput z', z, rows * dIn);
  requireFloats('centerInput centered', centered, rows * dIn);
  const kernel = laneKernel('sae-encode', dIn);
  ctx.dispatch({ shader: kernel.shader, entryPoint: 'center', bindings: [z, bDec, centered], params: [rows, dIn, 0], workgroups: [Math.ceil(dIn / (kernel.lanes * WG)), rows] });
}

/**
 * The encoder's pre-activations, one latent block at a time:
 * pre[i] [rows, count_i] = z_c · W_encᵀ_iᵀ + b_enc[start_i ..]  (matmul 'nt', then sae-encode `add_bias`).
 * centered: [rows, dIn] f32.
 */
export function encoderPreActivations(ctx: GpuContext, model: SaeModel, centered: GPUBuffer, pre: readonly GPUBuffer[], rows: number): void {
  const { dIn } = model.config;
  model.blocks.blocks.forEach((b, i) => {
    matmul(ctx, { a: centered, b: model.encoder[i], c: pre[i], m: rows, n: b.count, k: dIn, layout: 'nt' });
    // Lanes of 4 need the block to start, as well as end, on a multiple of 4.
    const kernel = laneKernel('sae-encode', b.count, b.start);
    ctx.dispatch({ shader: kernel.shader, entryPoint: 'add_bias', bindings: [model.bEnc, pre[i]], params: [rows, b.count, b.start], workgroups: [Math.ceil(b.count / (kernel.lanes * WG)), rows] });
  });
}

/**
 * out_r = bias + Σ_{active (r, j)} f_rj · W_dec[j, :] (shaders/sae-decode.wgsl), reading
 * only the active latents' decoder rows. `bias` null: no bias (AuxK's reconstruction of the residual).
 * decoder: W_dec blocks [count, dIn]; out: [rows, dIn] f32.
 */
export function sparseDecode(
  ctx: GpuContext,
  args: { decoder: readonly GPUBuffer[]; blocks: LatentBlocks; dIn: number; active: ActiveSet; bias: GPUBuffer | null; out: GPUBuffer },
): void {
  const { decoder, blocks, dIn, active, bias, out } = args;
  requireFloats('sparseDecode out', out, active.rows * dIn);
  const kernel = laneKernel('sae-decode', dIn);
  blocks.blocks.forEach((b, i) => {
    ctx.dispatch({
      shader: kernel.shader,
      // Without a bias the kernel never reads binding 1; any f32 buffer fills it.
      bindings: [decoder[i], bias ?? decoder[i], active.rowStart, active.latent, active.value, out],
      params: [active.rows, dIn, b.start, b.count, i === 0 ? 1 : 0, bias ? 1 : 0, active.capacity],
      workgroups: [Math.ceil(dIn / (kernel.lanes * WG)), active.rows],
    });
  });
}

export function requireFloats(what: string, buffer: GPUBuffer, count: number): void {
  if (buffer.size < count * 4) throw new RangeError(`${what} ("${buffer.label}") holds ${buffer.size / 4} f32, but ${count} are needed`);
}
