/**
 * Latents ↔ ground truth for one arm, on the held-out images: per attribute
 * value the latent whose image-maximum activation best separates the images
 * with that value (AUROC), when it fires (the temporal centre of mass of its
 * heatmap) and, for positions, where (the heatmap's centroid against the
 * true cell centre).
 */
import { bestLatentPerValue } from '../analysis/attribute-auroc';
import { asOneImage } from '../analysis/image-activation-summaries';
import { imageLatentActivations } from '../analysis/image-latent-activations';
import { imageMeanMax } from '../analysis/image-mean-max';
import { saeFeatureTrajectories } from '../analysis/sae-feature-trajectories';
import { TOY_ATTRIBUTES } from '../data/attribute-grid';
import type { DynamicsModel } from '../dynamics/dynamics-file';
import type { GpuContext } from '../gpu/context';
import type { SaeConfig } from '../sae/sae-config';
import type { SaeWeights } from '../sae/sae-model';
import type { BestLatent } from './study-results';

/** Centres of the toy's 3×3 position grid in image fractions (scenes.py: 15/32/49 px of 64). */
const CELL_CENTRES = [15 / 64, 32 / 64, 49 / 64];

export interface ArmLatents {
  /** One per attribute value, in TOY_ATTRIBUTES order. */
  best: BestLatent[];
  /** [Nh, m]: each latent's maximum on each held-out image. */
  imageMax: Float32Array;
  /** f_k(n, p) of every latent on the held-out set laid out as one image: [m, R, Nh·P] (R = S for a per-step SAE, else 1). */
  f: Float32Array;
  R: number;
  /** ‖v_k[s]‖ of the best latents: [best, S]. */
  profile: Float32Array;
}

export async function armLatents(
  ctx: GpuContext,
  arm: { config: SaeConfig; weights: SaeWeights; dynamics: DynamicsModel },
  /** The held-out images, [Nh, S, P, d] f32. */
  heldoutX: Float32Array,
  c: { truth: readonly Record<string, string>[]; S: number; P: number; d: number; grid: { width: number; height: number }; recordCalls: readonly number[] },
): Promise<ArmLatents> {
  const { truth, S, P, d, grid } = c;
  const Nh = truth.length;
  const m = arm.config.latents;
  const f = await imageLatentActivations(ctx, arm.dynamics, arm, asOneImage(heldoutX, Nh, S, P, d), Array.from({ length: m }, (_, k) => k));
  const R = f.length / (m * Nh * P);
  const imageMax = imageMeanMax(f, m, Nh, P).max;
  const chosen = bestLatentPerValue(imageMax, Nh, m, truth, TOY_ATTRIBUTES);
  const dIn = arm.config.dIn;
  const rows = new Float32Array(chosen.length * dIn);
  chosen.forEach((b, j) => rows.set(arm.weights.W_dec.subarray(b.latent * dIn, (b.latent + 1) * dIn), j * dIn));
  const { profile } = await saeFeatureTrajectories(ctx, arm.dynamics, rows, chosen.length);

  const best = chosen.map((b, j): BestLatent => {
    const members = truth.flatMap((tr, n) => (tr[b.attribute] === b.value ? [n] : []));
    const norms = Array.from(profile.subarray(j * S, (j + 1) * S));
    const at = (n: number, r: number, p: number) => f[(b.latent * R + r) * Nh * P + n * P + p];
    // When: H_k summed over space and the positive images; a concat latent's f does not depend on s.
    const weights = norms.map((v, s) => v * (R === 1 ? 1 : members.reduce((sum, n) => sum + Array.from({ length: P }, (_, p) => at(n, s, p)).reduce((a, x) => a + x, 0), 0)));
    const total = weights.reduce((a, x) => a + x, 0);
    const temporal = total > 0 ? weights.map((w) => w / total) : norms.map((v) => v / Math.max(1e-30, norms.reduce((a, x) => a + x, 0)));
    const com = temporal.reduce((sum, w, s) => sum + w * (s + 1), 0);
    const out: BestLatent = { ...b, temporal_com: com, temporal_com_call: interpolateCall(c.recordCalls, com - 1), temporal_profile: temporal };
    if (b.attribute === 'position') {
      // Where: the activation-weighted centroid of Σ_s f_k(n, p) per image, averaged over the images with this position.
      const centroids = members.flatMap((n) => {
        const a = Array.from({ length: P }, (_, p) => Array.from({ length: R }, (__, r) => at(n, r, p)).reduce((x, y) => x + y, 0));
        const sum = a.reduce((x, y) => x + y, 0);
        if (sum <= 0) return [];
        return [[a.reduce((x, v, p) => x + v * ((p % grid.width) + 0.5), 0) / grid.width / sum, a.reduce((y, v, p) => y + v * (Math.floor(p / grid.width) + 0.5), 0) / grid.height / sum]];
      });
      const cell = TOY_ATTRIBUTES.position.indexOf(b.value as (typeof TOY_ATTRIBUTES.position)[number]);
      out.true_centre = [CELL_CENTRES[cell % 3], CELL_CENTRES[Math.floor(cell / 3)]];
      if (centroids.length > 0) {
        out.centroid = [mean(centroids.map((x) => x[0])), mean(centroids.map((x) => x[1]))];
        out.centroid_error = Math.hypot(out.centroid[0] - out.true_centre[0], out.centroid[1] - out.true_centre[1]);
      }
    }
    return out;
  });
  return { best, imageMax, f, R, profile };
}

/** The UNet call at fractional recorded step `position` (0..S−1), linear between recorded calls. */
function interpolateCall(recordCalls: readonly number[], position: number): number {
  const lo = Math.max(0, Math.min(recordCalls.length - 1, Math.floor(position)));
  const hi = Math.min(recordCalls.length - 1, lo + 1);
  return recordCalls[lo] + (recordCalls[hi] - recordCalls[lo]) * (position - lo);
}

function mean(values: readonly number[]): number {
  return values.reduce((a, b) => a + b, 0) / values.length;
}
