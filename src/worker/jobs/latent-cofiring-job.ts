/**
 * The latents that co-fire with one latent (analysis/co-firing-latents.ts), best
 * first, measured on its firing rows in its random sample of firing images
 * (an unbiased cluster sample of its firing tokens). Statistics from before
 * that sample was kept get it first (one encode of every token, then saved),
 * and the page the new table.
 */
import { PROJECT_FILES, ProjectFolder } from '../../data/opfs-project';
import { measureCoFiring } from '../../analysis/co-firing-latents';
import { addSpatialStatistics } from '../../analysis/spatial-statistics';
import { sampledImages } from '../../sae/image-sample';
import { serializeLatentStatistics } from '../../sae/latent-statistics-file';
import { latentTable, type LatentTable } from '../../sae/latent-table';
import { engineGpu } from '../loaded-model';
import { progress, Transferred, type JobContext, type JobProgress } from './job-context';
import { projectSae } from './project-sae';

export interface LatentCoFiringRequest {
  projectId: string;
  latent: number;
}

export interface LatentCoFiring {
  latent: number;
  /** The images measured on: the latent's random sample (every image it fires on if `exhaustive`). */
  images: number[];
  exhaustive: boolean;
  /** Sampled rows where the latent fires. */
  rows: number;
  /** The co-firing latents, best first, with their Jaccard index, P̂(j | k) and lift. */
  index: Uint32Array;
  jaccard: Float64Array;
  conditional: Float64Array;
  lift: Float64Array;
}

/** `table`: the project's new latent table when its spatial statistics were measured now (else null). */
export interface LatentCoFiringResult {
  coFiring: LatentCoFiring;
  table: LatentTable | null;
}

export async function latentCoFiringJob(request: LatentCoFiringRequest, job: JobContext<JobProgress>): Promise<Transferred<LatentCoFiringResult>> {
  const ctx = await engineGpu();
  const { reader, dynamics, sae, cfg, stats: measured } = await projectSae(request.projectId, ctx);
  let stats = measured;
  let table: LatentTable | null = null;
  if (!stats.statistics.spatial) {
    stats = await addSpatialStatistics(ctx, reader, dynamics, sae, stats, {
      signal: job.signal,
      onProgress: (done, total) => job.emit(progress('measuring spatial spread', done, total)),
    });
    await (await ProjectFolder.open(request.projectId)).writeWhole(PROJECT_FILES.latentStats, serializeLatentStatistics(stats));
    table = latentTable(reader, stats, cfg);
  }
  const spatial = stats.statistics.spatial!;
  const images = sampledImages(spatial.sample, request.latent);
  const co = await measureCoFiring(ctx, reader, dynamics, sae, request.latent, images, stats.statistics, { signal: job.signal });
  const { index, jaccard, conditional, lift } = co;
  const coFiring = { latent: request.latent, images, exhaustive: images.length === spatial.fireImages[request.latent], rows: co.rows, index, jaccard, conditional, lift };
  return new Transferred({ coFiring, table }, [index.buffer, jaccard.buffer, conditional.buffer, lift.buffer]);
}
