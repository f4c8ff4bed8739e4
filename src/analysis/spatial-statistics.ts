import type { DynamicsModel } from '../dynamics/dynamics-file';
import type { TrajectoryImages } from '../dynamics/fit-dynamics';
import type { GpuContext } from '../gpu/context';
import { LatentStatistics, type LatentSpatialStatistics } from '../sae/latent-statistics';
import type { LatentStatisticsFile } from '../sae/latent-statistics-file';
import type { SaeConfig } from '../sae/sae-config';
import type { SaeWeights } from '../sae/sae-model';
import { encodedRows } from './encoded-rows';

/**
 * The spatial statistics (spread, firing images, image sample) that a
 * statistics file written before they were kept lacks: every token encoded
 * once more, as evaluateSae encodes it, into LatentStatistics told P. The
 * fire counts of this pass must equal the file's, else the file belongs to
 * another SAE or trajectory set and adding to it would mix two measurements.
 * Returns the file with `spatial` filled in.
 */
export async function addSpatialStatistics(
  ctx: GpuContext,
  source: TrajectoryImages,
  dynamics: DynamicsModel,
  sae: { config: SaeConfig; weights: SaeWeights },
  stats: LatentStatisticsFile,
  options: { signal?: AbortSignal; onProgress?: (tokensDone: number, tokensTotal: number) => void } = {},
): Promise<LatentStatisticsFile> {
  const { config } = sae;
  const { S, d, P, N } = source;
  const R = config.dIn === S * d ? 1 : S;
  if (stats.statistics.fireCount.length !== config.latents) throw new Error(`the latent statistics are for ${stats.statistics.fireCount.length} latents, the SAE has ${config.latents}; measure the SAE again`);
  const measured = new LatentStatistics(ctx, config.latents, { positions: P, rowsPerPosition: R, histogramBins: 1, topN: 1 });
  const images = Array.from({ length: N }, (_, n) => n);
  for await (const batch of encodedRows(ctx, source, dynamics, sae, images, options.signal)) {
    measured.addEntries(batch.rowStart, batch.latent, batch.value, batch.firstRow);
    options.onProgress?.((batch.firstRow + batch.rowStart.length - 1) / R, N * P);
  }
  const result = measured.result();
  const off = result.fireCount.findIndex((c, k) => c !== stats.statistics.fireCount[k]);
  if (result.tokens !== stats.statistics.tokens || off >= 0) {
    throw new Error(
      `the latent statistics do not match this SAE on these trajectories (${off >= 0 ? `latent ${off} fires on ${result.fireCount[off]} rows, the file says ${stats.statistics.fireCount[off]}` : `${result.tokens} rows, the file says ${stats.statistics.tokens}`}); measure the SAE again (import it once more, or the CLI's eval --stats)`,
    );
  }
  return { ...stats, statistics: { ...stats.statistics, spatial: result.spatial as LatentSpatialStatistics } };
}
