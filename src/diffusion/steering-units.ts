/**
 * Units of the steering strength α: what one unit of α adds to the hooked
 * activation. The writer adds α · c_k · v_k(i) at UNet call i, where v_k(i)
 * is the latent's feature trajectory v_k[s] (activation space, [S, C])
 * interpolated linearly between the recorded calls, and c_k is the latent's
 * scale in the chosen unit:
 *
 * - `norm` (the default on the page and in the CLI): α in multiples of the
 *   hook's typical activation length. With n_s the mean over all collected
 *   tokens of ‖x_s‖ at recorded step s (the project's activation norms, one
 *   streamed pass over its trajectory file) and
 *
 *       ρ_k = sqrt( (1/S) · Σ_s (‖v_k[s]‖ / n_s)² ),
 *
 *   c_k = 1 / ρ_k. So ‖α·c_k·v_k[s]‖ / n_s has root mean square α over the
 *   recorded steps: at α = 1 the added vector is, on average over the steps,
 *   as long as a typical token's activation at that step. The latent's own
 *   temporal profile (which steps it writes to more) is kept, as it is in
 *   m_k units; a latent whose ‖v_k[s]‖ follows n_s adds exactly α·n_s at
 *   every recorded step. Between recorded calls the same c_k multiplies the
 *   interpolated v_k, so nothing else is interpolated. The unit depends
 *   neither on the SAE's scale nor on how often the latent fires, so the
 *   same α means about the same push on every model, hook and latent.
 * - `mk`: α in units of m_k, the latent's mean non-zero activation (c_k = m_k):
 *   α = 1 adds the latent's typical contribution. Its length relative to
 *   the activations varies a lot between latents and hooks (the study's
 *   scale, kept for its numbers).
 */

export const STRENGTH_UNITS = ['norm', 'mk'] as const;
export type StrengthUnit = (typeof STRENGTH_UNITS)[number];

/** How the page and the CLI write α in each unit, e.g. "α = 0.8 × mean ‖x‖". */
export const UNIT_LABELS: Record<StrengthUnit, string> = { norm: 'mean ‖x‖', mk: 'm_k' };

/**
 * ρ_k: the root mean square over recorded steps of ‖v_k[s]‖ / n_s.
 * trajectory: v_k [S, C] f32; norms: n_s [S] (> 0).
 */
export function relativeTrajectoryNorm(trajectory: ArrayLike<number>, norms: ArrayLike<number>, C: number): number {
  const S = norms.length;
  if (trajectory.length !== S * C) throw new RangeError(`trajectory has ${trajectory.length} values; [S, C] = [${S}, ${C}] needs ${S * C}`);
  let sum = 0;
  for (let s = 0; s < S; s++) {
    if (!(norms[s] > 0)) throw new RangeError(`mean activation norm at recorded step ${s} is ${norms[s]}; it must be positive`);
    let squared = 0;
    for (let c = 0; c < C; c++) squared += trajectory[s * C + c] ** 2;
    sum += squared / norms[s] ** 2;
  }
  return Math.sqrt(sum / S);
}

/**
 * c_k, the activation-space scale of one unit of α for latent `latent`:
 * 1/ρ_k in `norm` units (needs `norms`), m_k in `mk` units (needs `meanActivation`).
 */
export function strengthScale(
  unit: StrengthUnit,
  latent: number,
  trajectory: ArrayLike<number>,
  C: number,
  known: { norms?: ArrayLike<number>; meanActivation?: number },
): number {
  if (unit === 'mk') {
    if (known.meanActivation === undefined || !Number.isFinite(known.meanActivation)) throw new RangeError(`latent ${latent}: m_k is unknown, so α cannot be in units of m_k`);
    return known.meanActivation;
  }
  if (!known.norms) throw new RangeError(`latent ${latent}: the hook's mean activation norms are unknown, so α cannot be in units of mean ‖x‖`);
  const rho = relativeTrajectoryNorm(trajectory, known.norms, C);
  if (!(rho > 0)) throw new RangeError(`latent ${latent} has a zero feature trajectory (‖v_k[s]‖ = 0 at every step): it cannot be scaled to the activation norm`);
  return 1 / rho;
}

/**
 * The slider's range and starting value in each unit, and the sweep's
 * default largest strength (max). Measured on the toy model
 * (bench/steer/visible-range.ts, the study's SAEs, 3 prompts, whole run): a
 * mean RGB change of 5/255 needs α ≈ 2 in norm units at up_blocks.2.attentions.1
 * (8 × 8) and α ≈ 5–7 at up_blocks.1.attentions.1 (4 × 4); α = 12 changes
 * the image by 13–114/255 there. In m_k units the same latents need α ≈ 16 at
 * 8 × 8 and α ≈ 48 at 4 × 4, hence m_k's wider range.
 */
export const STRENGTH_RANGES: Record<StrengthUnit, { max: number; step: number; initial: number }> = {
  norm: { max: 12, step: 0.1, initial: 6 },
  mk: { max: 64, step: 0.5, initial: 16 },
};
