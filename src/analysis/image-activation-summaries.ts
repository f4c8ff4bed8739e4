/**
 * Every latent's activation summarised per image (imageMeanMax: its mean and
 * maximum of f_k(n, p)) for all images of a trajectory set: the scores behind the
 * Latents page's concept ranking and attribute AUROCs, and the study's.
 * Images are encoded in chunks, each chunk as one wide "image" so that one
 * encoder pass covers it.
 */
import type { TrajectoryImages } from '../dynamics/fit-dynamics';
import type { DynamicsModel } from '../dynamics/dynamics-file';
import type { GpuContext } from '../gpu/context';
import type { SaeConfig } from '../sae/sae-config';
import type { SaeWeights } from '../sae/sae-model';
import { imageLatentActivations } from './image-latent-activations';
import { imageMeanMax, type ImageMeanMax } from './image-mean-max';

/** Values of a chunk of images per step per position: n images [n, S, P, d] laid out as one image [S, n·P, d]. */
export function asOneImage(images: Float32Array, n: number, S: number, P: number, d: number): Float32Array {
  const out = new Float32Array(images.length);
  for (let i = 0; i < n; i++) for (let s = 0; s < S; s++) out.set(images.subarray((i * S + s) * P * d, (i * S + s + 1) * P * d), (s * n * P + i * P) * d);
  return out;
}

/** Positions encoded per chunk, at most: few enough that the chunk's dense [m, R, n·P] f32 activations stay within CHUNK_BYTES. */
const CHUNK_TOKENS = 4096;
/** 64 MiB: at m = 16384, 4 images of 256 positions (4096 positions would be 268 MB). */
const CHUNK_BYTES = 64 * 2 ** 20;

export async function imageActivationSummaries(
  ctx: GpuContext,
  source: TrajectoryImages,
  dynamics: DynamicsModel,
  sae: { config: SaeConfig; weights: SaeWeights },
  options: { signal?: AbortSignal; onProgress?: (done: number, total: number) => void } = {},
): Promise<ImageMeanMax> {
  const { N, S, P, d } = source;
  const m = sae.config.latents;
  const all = Array.from({ length: m }, (_, k) => k);
  const mean = new Float32Array(N * m);
  const max = new Float32Array(N * m);
  const R = sae.config.dIn === S * d ? 1 : S;
  const chunk = Math.max(1, Math.floor(Math.min(CHUNK_TOKENS, CHUNK_BYTES / (m * R * 4)) / P));
  for (let n0 = 0; n0 < N; n0 += chunk) {
    options.signal?.throwIfAborted();
    const n = Math.min(chunk, N - n0);
    // [m, R, n·P]: R = 1 for a concat SAE, S for a per-step one.
    const f = await imageLatentActivations(ctx, dynamics, sae, asOneImage(await source.readImages(n0, n0 + n), n, S, P, d), all);
    const summary = imageMeanMax(f, m, n, P);
    mean.set(summary.mean, n0 * m);
    max.set(summary.max, n0 * m);
    options.onProgress?.(n0 + n, N);
  }
  return { mean, max };
}
