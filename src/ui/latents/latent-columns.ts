import { bestAuroc, type LatentLabels } from '../../analysis/latent-labels';
import type { LatentTable } from '../../sae/latent-table';

/** Temporal centre of mass of ‖v_k[s]‖ over the recorded steps, 1-based (1: fires early, S: late). */
export function temporalCentre(table: LatentTable, k: number): number {
  let weighted = 0;
  let total = 0;
  for (let s = 0; s < table.S; s++) {
    const v = table.profile[k * table.S + s];
    weighted += (s + 1) * v;
    total += v;
  }
  return total > 0 ? weighted / total : 0;
}

/**
 * Spatial spread of latent k (sae/latent-statistics.ts): the mean fraction of
 * a firing image's P positions where it fires, 1/P one spot, 1 everywhere;
 * null when the statistics predate it, 0 when it never fired.
 */
export function spatialSpread(table: LatentTable, k: number): number | null {
  return table.spatial ? table.spatial.spread[k] : null;
}

export const SORTS = {
  id: { label: 'latent id', key: (_t: LatentTable, k: number) => k, descending: false },
  // The latents that best pick out one attribute value first (the toy's grid); the labels arrive after the table.
  attribute: { label: 'best attribute AUROC', key: (_t: LatentTable, k: number, labels: LatentLabels | null) => bestAuroc(labels, k), descending: true },
  firing: { label: 'firing rate', key: (t: LatentTable, k: number) => t.firingRate[k], descending: true },
  mean: { label: 'mean activation', key: (t: LatentTable, k: number) => t.meanActivation[k], descending: true },
  early: { label: 'early first (temporal centre)', key: (t: LatentTable, k: number) => temporalCentre(t, k) || Infinity, descending: false },
  late: { label: 'late first (temporal centre)', key: (t: LatentTable, k: number) => temporalCentre(t, k), descending: true },
  // Never-firing latents (spread 0) and unmeasured ones go last either way.
  localised: { label: 'localised first (spatial spread)', key: (t: LatentTable, k: number) => spatialSpread(t, k) || Infinity, descending: false },
  spread: { label: 'spread out first (spatial spread)', key: (t: LatentTable, k: number) => spatialSpread(t, k) ?? 0, descending: true },
} as const;

export type SortKey = keyof typeof SORTS;
