/**
 * Every latent of a trained SAE as the Latents page lists it, from its
 * statistics file (sae/latent-statistics-file.ts) and the trajectories they
 * were measured on. Typed arrays: m can be tens of thousands.
 */
import type { TrajectoryMeta } from '../data/trajectory-file';
import type { LatentStatisticsFile } from './latent-statistics-file';
import type { SaeFileConfig } from './sae-file';

export interface LatentTable {
  m: number;
  S: number;
  /** Images and positions per image of the trajectories the statistics were measured on. */
  N: number;
  P: number;
  height: number;
  width: number;
  tokens: number;
  firingRate: Float64Array;
  meanActivation: Float64Array;
  /** [m, S] ‖v_k[s]‖. */
  profile: Float32Array;
  /** Statistics rows per position: 1 for a concat SAE, S for a per-step one (rows (n·P + p)·S + s). */
  rowsPerPosition: number;
  /** [m, topN] top rows (t = n·P + p for a concat SAE) and their activations. */
  topN: number;
  topToken: Uint32Array;
  topValue: Float32Array;
  topCount: Uint32Array;
  neighbours: number;
  neighbourIndex: Uint32Array;
  neighbourCosine: Float32Array;
  histogramEdges: Float64Array;
  /** [m, bins] */
  histogramCounts: Uint32Array;
  /** UNet call index of each recorded step. */
  stepIndices: number[];
  /**
   * Per latent (sae/latent-statistics.ts): spatial spread [m], images it fires on [m], and a random sample of
   * those images [m, sampleSize] (ascending, 0xffffffff pads); null for statistics measured before they were kept.
   */
  spatial: { spread: Float64Array; fireImages: Uint32Array; sampleSize: number; sample: Uint32Array } | null;
}

/** The shape of the trajectories the statistics were measured on. */
export interface MeasuredTrajectories {
  N: number;
  S: number;
  P: number;
  d: number;
  meta: Pick<TrajectoryMeta, 'height' | 'width' | 'stepIndices'>;
}

export function latentTable(trajectories: MeasuredTrajectories, stats: LatentStatisticsFile, cfg: SaeFileConfig): LatentTable {
  const s = stats.statistics;
  const m = s.fireCount.length;
  return {
    m,
    S: stats.steps,
    N: trajectories.N,
    P: trajectories.P,
    height: trajectories.meta.height,
    width: trajectories.meta.width,
    tokens: s.tokens,
    rowsPerPosition: cfg.d_in === trajectories.S * trajectories.d ? 1 : trajectories.S,
    firingRate: s.firingRate,
    meanActivation: s.meanActivation,
    profile: stats.temporalProfile,
    topN: s.top.token.length / m,
    topToken: s.top.token,
    topValue: s.top.value,
    topCount: s.top.count,
    neighbours: stats.neighbours.n,
    neighbourIndex: stats.neighbours.index,
    neighbourCosine: stats.neighbours.cosine,
    histogramEdges: s.histogram.edges,
    histogramCounts: s.histogram.counts,
    stepIndices: cfg.step_indices ?? trajectories.meta.stepIndices,
    spatial: s.spatial && { spread: s.spatial.spread, fireImages: s.spatial.fireImages, sampleSize: s.spatial.sample.size, sample: s.spatial.sample.image },
  };
}

/** Distinct images among a latent's top tokens, best first. */
export function topImages(table: LatentTable, k: number): number[] {
  const out: number[] = [];
  for (let i = 0; i < table.topCount[k]; i++) {
    const n = Math.floor(table.topToken[k * table.topN + i] / (table.P * table.rowsPerPosition));
    if (!out.includes(n)) out.push(n);
  }
  return out;
}
