/**
 * Every latent's activation summarised per image: its mean and its maximum
 * of f_k(n, p) over the image's positions (and, for a per-step SAE, over the
 * steps too). The one copy of this reduction: the Latents page's image
 * summaries, the study's best latents and a prompt's firing latents all
 * reduce imageLatentActivations' output here.
 */

export interface ImageMeanMax {
  /** [images, m] row-major: mean of f_k(n, p) over positions (0 where it never fires). */
  mean: Float32Array;
  /** [images, m]: maximum of f_k(n, p) (0 where it never fires). */
  max: Float32Array;
}

/**
 * f: [m, R, images·P] f32 as imageLatentActivations returns it for `images`
 * images laid out as one (asOneImage), R = 1 for a concat SAE, S for a
 * per-step one. The mean is accumulated in f32, in that order.
 */
export function imageMeanMax(f: Float32Array, m: number, images: number, P: number): ImageMeanMax {
  const wide = images * P;
  const R = f.length / (m * wide);
  if (!Number.isInteger(R) || R < 1) throw new RangeError(`f has ${f.length} values, not [m, R, images·P] for m = ${m}, images = ${images}, P = ${P}`);
  const mean = new Float32Array(images * m);
  const max = new Float32Array(images * m);
  for (let k = 0; k < m; k++) {
    for (let r = 0; r < R; r++) {
      for (let q = 0; q < wide; q++) {
        const v = f[(k * R + r) * wide + q];
        const at = Math.floor(q / P) * m + k;
        mean[at] += v / (P * R);
        if (v > max[at]) max[at] = v;
      }
    }
  }
  return { mean, max };
}
