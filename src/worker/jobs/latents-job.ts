/**
 * The Latents page's data, in the worker: the trained SAE's latent table from
 * its statistics file, and one latent's spatial maps f_k(n, p) on chosen
 * images (encoded on the GPU from the images' trajectories) followed by the
 * latents that co-fire with it and its per-step histograms over every token
 * (measured now if the project has none). A statistics file from before the
 * spatial statistics were kept gets them on the first latent opened (one
 * encode of every token, then saved), and the page a new table.
 */
import { PROJECT_FILES, ProjectFolder } from '../../data/opfs-project';
import type { TrajectoryReader } from '../../data/trajectory-file';
import { asOneImage, imageActivationSummaries } from '../../analysis/image-activation-summaries';
import { imageLatentActivations } from '../../analysis/image-latent-activations';
import { measureCoFiring } from '../../analysis/co-firing-latents';
import { addSpatialStatistics } from '../../analysis/spatial-statistics';
import type { GpuContext } from '../../gpu/context';
import { sampledImages } from '../../sae/latent-statistics';
import { serializeLatentStatistics, type LatentStatisticsFile } from '../../sae/latent-statistics-file';
import type { SaeFileConfig } from '../../sae/sae-file';
import type { LatentTable, RuntimeRequest } from '../runtime-protocol';
import type { JobContext } from './job-context';
import { projectSae } from './project-sae';
import { latentStepHistogram, projectStepHistograms } from './step-histograms';

export async function latentTableJob(request: Extract<RuntimeRequest, { type: 'latents' }>, job: JobContext): Promise<void> {
  const { reader, stats, cfg } = await projectSae(request.projectId);
  job.post({ type: 'latent-table', id: job.id, table: latentTable(reader, stats, cfg) });
}

function latentTable(reader: TrajectoryReader, stats: LatentStatisticsFile, cfg: SaeFileConfig): LatentTable {
  const s = stats.statistics;
  const m = s.fireCount.length;
  return {
    m,
    S: stats.steps,
    N: reader.N,
    P: reader.P,
    height: reader.meta.height,
    width: reader.meta.width,
    tokens: s.tokens,
    rowsPerPosition: cfg.d_in === reader.S * reader.d ? 1 : reader.S,
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
    stepIndices: cfg.step_indices ?? reader.meta.stepIndices,
    spatial: s.spatial && { spread: s.spatial.spread, fireImages: s.spatial.fireImages, sampleSize: s.spatial.sample.size, sample: s.spatial.sample.image },
  };
}

export async function latentMapsJob(ctx: GpuContext, request: Extract<RuntimeRequest, { type: 'latent-maps' }>, job: JobContext): Promise<void> {
  const project = await projectSae(request.projectId);
  const { reader, dynamics, sae, cfg } = project;
  let { stats } = project;
  const { S, P, d } = reader;
  const n = request.images.length;
  const chosen = new Float32Array(n * S * P * d);
  for (const [i, image] of request.images.entries()) {
    if (!Number.isInteger(image) || image < 0 || image >= reader.N) throw new RangeError(`image ${image} is outside 0..${reader.N - 1}`);
    chosen.set(await reader.readImages(image, image + 1), i * S * P * d);
  }
  job.signal.throwIfAborted();
  // All chosen images in one encoder pass (one upload of the dynamics and the SAE): [R, n·P].
  const f = await imageLatentActivations(ctx, dynamics, sae, asOneImage(chosen, n, S, P, d), [request.latent]);
  const R = f.length / (n * P);
  // A per-step SAE gives f at every step: the map is its maximum over the steps.
  const maps = new Float32Array(n * P);
  for (let r = 0; r < R; r++) for (let q = 0; q < n * P; q++) maps[q] = Math.max(maps[q], f[r * n * P + q]);
  job.post({ type: 'latent-maps', id: job.id, latent: request.latent, maps }, [maps.buffer]);

  const folder = await ProjectFolder.open(request.projectId);
  if (!stats.statistics.spatial) {
    stats = await addSpatialStatistics(ctx, reader, dynamics, sae, stats, {
      signal: job.signal,
      onProgress: (done, total) => job.post({ type: 'progress', id: job.id, stage: 'measuring spatial spread', loaded: done, total, bytesPerSecond: 0, etaSeconds: null }),
    });
    await folder.writeWhole(PROJECT_FILES.latentStats, serializeLatentStatistics(stats));
    job.post({ type: 'latent-table', id: job.id, table: latentTable(reader, stats, cfg) });
  }
  // Co-firing on the latent's random image sample: an unbiased cluster sample of its firing tokens (flows/latent-cofiring.ts).
  const spatial = stats.statistics.spatial!;
  const images = sampledImages(spatial.sample, request.latent);
  const co = await measureCoFiring(ctx, reader, dynamics, sae, request.latent, images, stats.statistics, { signal: job.signal });
  const { index, jaccard, conditional, lift } = co;
  job.post(
    { type: 'latent-cofiring', id: job.id, latent: request.latent, images, exhaustive: images.length === spatial.fireImages[request.latent], rows: co.rows, index, jaccard, conditional, lift },
    [index.buffer, jaccard.buffer, conditional.buffer, lift.buffer],
  );

  if (sae.config.dIn !== S * d) {
    job.post({ type: 'latent-steps', id: job.id, latent: request.latent, reason: 'this SAE is per-step (its input is one step’s d values): per-step histograms are measured for concat SAEs' });
    return;
  }
  const all = await projectStepHistograms(
    {
      folder,
      reader,
      dynamics,
      sae,
      stats,
      signal: job.signal,
      onProgress: (done, total) => job.post({ type: 'progress', id: job.id, stage: 'measuring per-step histograms', loaded: done, total, bytesPerSecond: 0, etaSeconds: null }),
    },
    ctx,
  );
  const { edges, counts } = latentStepHistogram(all, request.latent);
  job.post({ type: 'latent-steps', id: job.id, latent: request.latent, S: all.S, bins: all.bins, edges, counts, reason: null }, [edges.buffer, counts.buffer]);
}

export async function imageActivationsJob(ctx: GpuContext, request: Extract<RuntimeRequest, { type: 'image-activations' }>, job: JobContext): Promise<void> {
  const { reader, dynamics, sae } = await projectSae(request.projectId);
  const { mean, max } = await imageActivationSummaries(ctx, reader, dynamics, sae, {
    signal: job.signal,
    onProgress: (done, total) => job.post({ type: 'progress', id: job.id, stage: 'encoding every image', loaded: done, total, bytesPerSecond: 0, etaSeconds: null }),
  });
  job.post({ type: 'image-activations', id: job.id, N: reader.N, m: sae.config.latents, mean, max }, [mean.buffer, max.buffer]);
}
