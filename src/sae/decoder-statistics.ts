import type { GpuContext } from '../gpu/context';
import { featureTrajectories } from '../dynamics/feature-trajectories';
import type { GpuDynamics } from '../dynamics/gpu-dynamics';
import { matmul } from '../linalg/matmul';
import type { SaeModel } from './sae-model';

/**
 * Per-latent facts read off a trained SAE's decoder: its
 * nearest latents by decoder cosine similarity, and its temporal profile
 * ‖v_k[s]‖ through the fitted dynamics.
 */

/** Threads per row of shaders/sae-stats-top-neighbours.wgsl (a power of two). */
const WG = 64;
/** Default cap on the [rows, m] similarity block: 64 MiB, 1024 rows at m = 16384. */
const SIMILARITY_BLOCK_BYTES = 64 * 1024 * 1024;

export interface DecoderNeighbours {
  /** Neighbours per latent. */
  n: number;
  /** [m, n]: the n latents whose decoder rows are closest in cosine, most similar first; equal cosines to the lower index. */
  index: Uint32Array;
  /** [m, n]: their cosine similarities. */
  cosine: Float32Array;
}

export interface DecoderNeighbourOptions {
  /** Latents whose similarities are held at once (default: as many as fit 64 MiB and one storage binding). */
  rowBlock?: number;
}

/**
 * For every latent, its `n` nearest other latents by decoder cosine (decoder
 * rows have unit norm, an SaeModel invariant, so the cosine is the dot
 * product). Row blocks of W_dec·W_decᵀ (matmul 'nt', one per decoder block)
 * go through a per-row top-n kernel; the m × m matrix never exists at once.
 */
export async function decoderNeighbours(ctx: GpuContext, model: SaeModel, n: number, options: DecoderNeighbourOptions = {}): Promise<DecoderNeighbours> {
  const { dIn, latents: m } = model.config;
  const limits = ctx.device.limits;
  const maxN = Math.min(m - 1, Math.floor(limits.maxComputeWorkgroupStorageSize / (WG * 8)));
  if (!Number.isInteger(n) || n < 1 || n > maxN) {
    throw new RangeError(`decoderNeighbours n = ${n}, but it must be an integer in [1, ${maxN}] (m − 1 other latents; ${WG}·n·8 bytes of workgroup memory)`);
  }
  const maxRows = Math.min(limits.maxComputeWorkgroupsPerDimension, Math.floor(Math.min(SIMILARITY_BLOCK_BYTES, limits.maxStorageBufferBindingSize) / (4 * m)));
  const { rowBlock = maxRows } = options;
  if (!Number.isInteger(rowBlock) || rowBlock < 1 || rowBlock > Math.max(1, maxRows)) {
    throw new RangeError(`decoderNeighbours rowBlock = ${rowBlock}, but it must be an integer in [1, ${maxRows}] (a [rowBlock, m = ${m}] f32 block within one binding)`);
  }
  const blocks = model.blocks.blocks;
  const sim = ctx.createBuffer(rowBlock * m * 4, 'sae.neighbours.similarity');
  const index = ctx.createBuffer(m * n * 4, 'sae.neighbours.index');
  const cosine = ctx.createBuffer(m * n * 4, 'sae.neighbours.cosine');
  for (const [qi, q] of blocks.entries()) {
    for (let r0 = 0; r0 < q.count; r0 += rowBlock) {
      const rows = Math.min(rowBlock, q.count - r0);
      // sim[r, c.start + j] = W_dec[q.start + r0 + r] · W_dec[c.start + j]
      for (const [ci, c] of blocks.entries()) {
        matmul(ctx, { a: model.decoder[qi], b: model.decoder[ci], c: sim, m: rows, n: c.count, k: dIn, layout: 'nt', aOffset: r0 * dIn, cOffset: c.start, cStride: m });
      }
      ctx.dispatch({
        shader: 'sae-stats-top-neighbours',
        constants: { WG, N: n },
        bindings: [{ buffer: sim, size: rows * m * 4 }, index, cosine],
        params: [m, q.start + r0],
        workgroups: [rows],
      });
    }
  }
  const result = { n, index: await ctx.readU32(index), cosine: await ctx.readF32(cosine) };
  for (const b of [sim, index, cosine]) b.destroy();
  return result;
}

/**
 * The temporal profile ‖v_k[s]‖ of every latent: [m, S] f32,
 * from featureTrajectories run on each decoder block.
 */
export async function temporalProfiles(ctx: GpuContext, dyn: GpuDynamics, model: SaeModel): Promise<Float32Array> {
  const { dIn, latents: m } = model.config;
  const { S, d } = dyn;
  if (S * d !== dIn) throw new RangeError(`temporalProfiles: the dynamics have S·d = ${S}·${d} = ${S * d}, but the SAE's input width is dIn = ${dIn}`);
  const size = model.blocks.size;
  const trajectories = ctx.createBuffer(size * dIn * 4, 'sae.profile.trajectories');
  const blockProfile = ctx.createBuffer(size * S * 4, 'sae.profile.block');
  const profile = ctx.createBuffer(m * S * 4, 'sae.profile');
  for (const [i, b] of model.blocks.blocks.entries()) {
    featureTrajectories(ctx, dyn, { wDec: model.decoder[i], latents: b.count, trajectories, profile: blockProfile });
    ctx.copy(blockProfile, 0, profile, b.start * S * 4, b.count * S * 4);
  }
  const result = await ctx.readF32(profile, 0, m * S);
  for (const b of [trajectories, blockProfile, profile]) b.destroy();
  return result;
}
