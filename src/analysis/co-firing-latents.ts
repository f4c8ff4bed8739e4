/**
 * The latents that co-fire with latent k: active on the same SAE rows
 * (tokens; a per-step SAE's (token, step) rows) where k fires.
 *
 * Score: the Jaccard index of the two firing sets over every measured token,
 *   J(j, k) = |T_j ∩ T_k| / |T_j ∪ T_k| = c / (n_k + n_j − c),
 * n_k = |T_k| and n_j = |T_j| exact from the statistics' fire counts, and the
 * overlap c = n_k · P̂(j | k) from a sample of k's firing rows: every row of
 * the images in k's random image sample (LatentSpatialStatistics.sample) —
 * exact when the sample holds every image k fires on. Why Jaccard, not the
 * conditional P(j | k) or its lift P(j | k) / P(j) alone: P(j | k) ranks the
 * densest latents first (a latent on half the tokens "co-fires" with
 * everything), and lift ranks the rarest (one shared token of a latent that
 * fires twice is a large lift). J is high only when both P(j | k) and
 * P(k | j) are (1/J = 1/P(j | k) + 1/P(k | j) − 1): the two fire on the same
 * tokens — split or duplicated features, parts that always come together.
 * The page shows P(j | k) and the lift beside it.
 */
import type { DynamicsModel } from '../dynamics/dynamics-file';
import type { TrajectoryImages } from '../dynamics/fit-dynamics';
import type { GpuContext } from '../gpu/context';
import type { SaeConfig } from '../sae/sae-config';
import type { SaeWeights } from '../sae/sae-model';
import { encodedRows } from './encoded-rows';

/** Co-firing latents shown per latent. */
export const CO_FIRING_DEFAULT = 8;

export interface CoFiringCounts {
  /** Rows of the sampled images where k fires (s_k). */
  rows: number;
  /** [m]: rows of the sampled images where both j and k fire (together[k] = rows). */
  together: Uint32Array;
}

export interface CoFiring {
  latent: number;
  /** Sampled rows where k fires. */
  rows: number;
  /** The co-firing latents, best first (J descending, then latent id), at most `limit`, each with J > 0. */
  index: Uint32Array;
  /** Estimated |T_j ∩ T_k| over every token. */
  overlap: Float64Array;
  /** P̂(j | k) on the sampled rows. */
  conditional: Float64Array;
  /** P̂(j | k) / P(j), P(j) = n_j / tokens. */
  lift: Float64Array;
  jaccard: Float64Array;
}

/** Counts, over CSR rows, the rows where `latent` fires and, for every j, the rows where both fire. */
export function countCoFiring(batches: Iterable<{ rowStart: Uint32Array; latent: Uint32Array }>, latent: number, m: number): CoFiringCounts {
  const together = new Uint32Array(m);
  let rows = 0;
  for (const { rowStart, latent: list } of batches) {
    for (let r = 0; r + 1 < rowStart.length; r++) {
      const start = rowStart[r];
      const end = rowStart[r + 1];
      let fires = false;
      for (let e = start; e < end && !fires; e++) fires = list[e] === latent;
      if (!fires) continue;
      rows++;
      for (let e = start; e < end; e++) {
        if (list[e] >= m) throw new RangeError(`entry ${e} names latent ${list[e]}, but there are ${m}`);
        together[list[e]]++;
      }
    }
  }
  return { rows, together };
}

/** Scores the counts against the statistics' fire counts over `tokens` rows (see the file's comment). */
export function coFiringScores(latent: number, counts: CoFiringCounts, fireCount: ArrayLike<number>, tokens: number, limit = CO_FIRING_DEFAULT): CoFiring {
  const m = fireCount.length;
  if (!Number.isInteger(latent) || latent < 0 || latent >= m) throw new RangeError(`latent ${latent} is outside 0..${m - 1}`);
  if (counts.together.length !== m) throw new RangeError(`co-firing counts for ${counts.together.length} latents, fire counts for ${m}`);
  const nk = fireCount[latent];
  const scored: { j: number; overlap: number; conditional: number; lift: number; jaccard: number }[] = [];
  if (counts.rows > 0 && nk > 0) {
    // Rows of all tokens per sampled row: 1 exactly when the sample holds every row where k fires, so J is then exact.
    const scale = nk / counts.rows;
    for (let j = 0; j < m; j++) {
      const c = counts.together[j];
      if (j === latent || c === 0 || fireCount[j] === 0) continue;
      const nj = fireCount[j];
      const conditional = c / counts.rows;
      const overlap = Math.min(c * scale, nj);
      scored.push({ j, overlap, conditional, lift: conditional / (nj / tokens), jaccard: overlap / (nk + nj - overlap) });
    }
  }
  scored.sort((a, b) => b.jaccard - a.jaccard || a.j - b.j);
  const top = scored.slice(0, limit);
  return {
    latent,
    rows: counts.rows,
    index: Uint32Array.from(top, (t) => t.j),
    overlap: Float64Array.from(top, (t) => t.overlap),
    conditional: Float64Array.from(top, (t) => t.conditional),
    lift: Float64Array.from(top, (t) => t.lift),
    jaccard: Float64Array.from(top, (t) => t.jaccard),
  };
}

/** Encodes `images` with every latent and scores the latents that co-fire with `latent` there. */
export async function measureCoFiring(
  ctx: GpuContext,
  source: TrajectoryImages,
  dynamics: DynamicsModel,
  sae: { config: SaeConfig; weights: SaeWeights },
  latent: number,
  images: readonly number[],
  statistics: { tokens: number; fireCount: ArrayLike<number> },
  options: { limit?: number; signal?: AbortSignal } = {},
): Promise<CoFiring> {
  const m = sae.config.latents;
  if (statistics.fireCount.length !== m) throw new RangeError(`the statistics are for ${statistics.fireCount.length} latents, the SAE has ${m}`);
  for (const n of images) if (!Number.isInteger(n) || n < 0 || n >= source.N) throw new RangeError(`image ${n} is outside 0..${source.N - 1}`);
  const batches = [];
  // Ascending, each once: tokensInOrder then streams them in as few batches as it can.
  for await (const batch of encodedRows(ctx, source, dynamics, sae, [...new Set(images)].sort((a, b) => a - b), options.signal)) batches.push(batch);
  return coFiringScores(latent, countCoFiring(batches, latent, m), statistics.fireCount, statistics.tokens, options.limit);
}
