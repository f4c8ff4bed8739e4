/**
 * Every latent's spatial map on its own top image, f_k(n*, p), for the
 * Latents list's thumbnails. Latents that share a top image share its
 * encoding: the distinct top images are encoded once, in chunks laid out as
 * one wide image (asOneImage), so m maps cost about one encoder pass over
 * those images, not m passes. The encodings are read as sparse lists
 * (encodedRows), never as a dense [m, tokens] array. The same pass can keep
 * every image's maximum per latent (for attribute AUROCs): then it covers
 * every image.
 */
import type { DynamicsModel } from '../dynamics/dynamics-file';
import type { TrajectoryImages } from '../dynamics/fit-dynamics';
import type { GpuContext } from '../gpu/context';
import type { SaeConfig } from '../sae/sae-config';
import type { SaeWeights } from '../sae/sae-model';
import { encodedRows } from './encoded-rows';
import { asOneImage } from './image-activation-summaries';

/** A latent that never fired has no top image. */
export const NO_IMAGE = 0xffffffff;

/** Positions encoded per chunk (as image-activation-summaries' chunks). */
const CHUNK_TOKENS = 4096;

export interface TopImageMaps {
  /** [m, P] f_k(n*, p) on latent k's top image n* (a per-step SAE: its maximum over the steps); 0 where it does not fire. */
  topMap: Float32Array;
  /** [N, m] every image's maximum f_k(n, p) (as imageMeanMax's max), with `imageMaxima`; else null. */
  imageMax: Float32Array | null;
}

/** topImage: [m] each latent's top image, NO_IMAGE for none. */
export async function topImageMaps(
  ctx: GpuContext,
  source: TrajectoryImages,
  dynamics: DynamicsModel,
  sae: { config: SaeConfig; weights: SaeWeights },
  topImage: Uint32Array,
  options: { imageMaxima?: boolean; signal?: AbortSignal; onProgress?: (done: number, total: number) => void } = {},
): Promise<TopImageMaps> {
  const { N, S, P, d } = source;
  const m = sae.config.latents;
  if (topImage.length !== m) throw new RangeError(`topImage lists ${topImage.length} latents; the SAE has m = ${m}`);
  const bad = topImage.findIndex((n) => n !== NO_IMAGE && n >= N);
  if (bad >= 0) throw new RangeError(`latent ${bad}'s top image ${topImage[bad]} is outside 0..${N - 1}`);
  // SAE rows per token: 1 for a concat SAE, S for a per-step one.
  const R = sae.config.dIn === S * d ? 1 : S;
  const images = options.imageMaxima ? Array.from({ length: N }, (_, n) => n) : [...new Set(topImage)].filter((n) => n !== NO_IMAGE).sort((a, b) => a - b);
  const topMap = new Float32Array(m * P);
  const imageMax = options.imageMaxima ? new Float32Array(N * m) : null;
  const chunk = Math.max(1, Math.floor(CHUNK_TOKENS / P));
  for (let i0 = 0; i0 < images.length; i0 += chunk) {
    options.signal?.throwIfAborted();
    const chosen = images.slice(i0, i0 + chunk);
    const values = new Float32Array(chosen.length * S * P * d);
    for (const [i, n] of chosen.entries()) values.set(await source.readImages(n, n + 1), i * S * P * d);
    const wide = { N: 1, S, P: chosen.length * P, d, readImages: async () => asOneImage(values, chosen.length, S, P, d) };
    for await (const { firstRow, rowStart, latent, value } of encodedRows(ctx, wide, dynamics, sae, [0], options.signal)) {
      for (let r = 0; r + 1 < rowStart.length; r++) {
        // SAE row t is token q = ⌊t/R⌋ of the wide image: position q mod P of chosen image ⌊q/P⌋.
        const q = Math.floor((firstRow + r) / R);
        const n = chosen[Math.floor(q / P)];
        const p = q % P;
        for (let e = rowStart[r]; e < rowStart[r + 1]; e++) {
          const k = latent[e];
          const v = value[e];
          if (imageMax && v > imageMax[n * m + k]) imageMax[n * m + k] = v;
          if (topImage[k] === n && v > topMap[k * P + p]) topMap[k * P + p] = v;
        }
      }
    }
    options.onProgress?.(Math.min(i0 + chunk, images.length), images.length);
  }
  return { topMap, imageMax };
}
