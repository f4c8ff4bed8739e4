import { GpuLimitError } from '../gpu/errors';

/** A contiguous range of latents [start, start + count). */
export interface LatentBlock {
  start: number;
  count: number;
}

/**
 * How the m latents are split so that every per-latent tensor fits one
 * storage binding: W_enc and W_dec blocks [count, dIn], their gradients and
 * Adam moments, and pre-activation blocks [batch, count]. WebGPU's default
 * maxStorageBufferBindingSize is 128 MiB, while W_dec alone for d_in = 6400,
 * m = 16384 is 420 MB, so big SAEs live in several buffers.
 */
export interface LatentBlocks {
  latents: number;
  /** Latents per block (the last block may hold fewer). */
  size: number;
  blocks: LatentBlock[];
}

/**
 * Splits `latents` into blocks of the largest size whose widest tensor
 * (`floatsPerLatent` f32 values per latent: max(dIn, batch rows)) fits
 * `maxBindingBytes`.
 */
export function planLatentBlocks(latents: number, floatsPerLatent: number, maxBindingBytes: number): LatentBlocks {
  const size = Math.min(latents, Math.floor(maxBindingBytes / (4 * floatsPerLatent)));
  if (size < 1) {
    throw new GpuLimitError('maxStorageBufferBindingSize', 4 * floatsPerLatent, maxBindingBytes, `One latent's SAE tensors (${floatsPerLatent} f32 values)`);
  }
  const blocks: LatentBlock[] = [];
  for (let start = 0; start < latents; start += size) blocks.push({ start, count: Math.min(size, latents - start) });
  return { latents, size, blocks };
}
