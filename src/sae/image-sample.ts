/**
 * Which of a latent's firing images to show: the statistics keep a uniform
 * random sample of them per latent (reservoir sampling, each draw a hash of
 * (seed, latent, i) so the sample depends on the firing sets only), and the
 * Latents page draws images from a candidate list with a seeded shuffle.
 */
import { seededRandom } from '../gpu/random';

/** Image of an unused sample slot (a latent that fired on fewer images than the sample holds). */
export const NO_IMAGE = 0xffffffff;
export const SAMPLE_IMAGES_DEFAULT = 32;

/** murmur3's 32-bit finaliser: a bijective mix of a 32-bit word. */
function fmix32(h: number): number {
  h ^= h >>> 16;
  h = Math.imul(h, 0x85ebca6b);
  h ^= h >>> 13;
  h = Math.imul(h, 0xc2b2ae35);
  return (h ^ (h >>> 16)) >>> 0;
}

/** A uniform draw in [0, 1) that depends only on (seed, latent, i). */
export function sampleDraw(seed: number, latent: number, i: number): number {
  return fmix32(fmix32(fmix32(seed >>> 0) ^ latent) ^ i) / 4294967296;
}

/**
 * `count` distinct images drawn uniformly from `candidates` (a partial
 * Fisher–Yates shuffle seeded by `seed`), ascending; all of them when there
 * are no more than `count`. The draw depends on the set of candidates only,
 * not on their order, so a seed names one draw.
 */
export function drawImages(candidates: readonly number[], count: number, seed: number): number[] {
  if (!Number.isInteger(count) || count < 0) throw new RangeError(`drawImages count = ${count}, but it must be an integer ≥ 0`);
  const pool = [...new Set(candidates)].sort((a, b) => a - b);
  const random = seededRandom(seed);
  const n = Math.min(count, pool.length);
  for (let i = 0; i < n; i++) {
    const j = i + Math.floor(random() * (pool.length - i));
    [pool[i], pool[j]] = [pool[j], pool[i]];
  }
  return pool.slice(0, n).sort((a, b) => a - b);
}

/** Latent k's sampled firing images (ascending), from a sample [m, size]. */
export function sampledImages(sample: { size: number; image: ArrayLike<number> }, k: number): number[] {
  const { size, image } = sample;
  const out: number[] = [];
  for (let i = 0; i < size && image[k * size + i] !== NO_IMAGE; i++) out.push(image[k * size + i]);
  return out;
}
