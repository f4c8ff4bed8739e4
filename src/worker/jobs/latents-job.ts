/**
 * The Latents page's data, in the worker: the trained SAE's latent table from
 * its statistics file, and one latent's spatial maps f_k(n, p) on chosen
 * images (encoded on the GPU from the images' trajectories).
 */
import { imageActivationSummaries } from '../../flows/image-activations';
import { imageLatentActivations } from '../../flows/latent-activations';
import type { GpuContext } from '../../gpu/context';
import type { LatentTable, RuntimeRequest } from '../runtime-protocol';
import type { JobContext } from './job-context';
import { projectSae } from './project-sae';

export async function latentTableJob(request: Extract<RuntimeRequest, { type: 'latents' }>, job: JobContext): Promise<void> {
  const { reader, stats, cfg } = await projectSae(request.projectId);
  const s = stats.statistics;
  const m = s.fireCount.length;
  const table: LatentTable = {
    m,
    S: stats.steps,
    N: reader.N,
    P: reader.P,
    height: reader.meta.height,
    width: reader.meta.width,
    tokens: s.tokens,
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
  };
  job.post({ type: 'latent-table', id: job.id, table });
}

export async function latentMapsJob(ctx: GpuContext, request: Extract<RuntimeRequest, { type: 'latent-maps' }>, job: JobContext): Promise<void> {
  const { reader, dynamics, sae } = await projectSae(request.projectId);
  const maps = new Float32Array(request.images.length * reader.P);
  for (const [i, n] of request.images.entries()) {
    job.signal.throwIfAborted();
    if (!Number.isInteger(n) || n < 0 || n >= reader.N) throw new RangeError(`image ${n} is outside 0..${reader.N - 1}`);
    const f = await imageLatentActivations(ctx, dynamics, sae, await reader.readImages(n, n + 1), [request.latent]);
    // A per-step SAE gives f at every step: the map is its maximum over the steps.
    for (let p = 0; p < reader.P; p++) {
      let best = 0;
      for (let r = 0; r < f.length / reader.P; r++) best = Math.max(best, f[r * reader.P + p]);
      maps[i * reader.P + p] = best;
    }
  }
  job.post({ type: 'latent-maps', id: job.id, latent: request.latent, maps }, [maps.buffer]);
}

export async function imageActivationsJob(ctx: GpuContext, request: Extract<RuntimeRequest, { type: 'image-activations' }>, job: JobContext): Promise<void> {
  const { reader, dynamics, sae } = await projectSae(request.projectId);
  const { mean, max } = await imageActivationSummaries(ctx, reader, dynamics, sae, {
    signal: job.signal,
    onProgress: (done, total) => job.post({ type: 'progress', id: job.id, stage: 'encoding every image', loaded: done, total, bytesPerSecond: 0, etaSeconds: null }),
  });
  job.post({ type: 'image-activations', id: job.id, N: reader.N, m: sae.config.latents, mean, max }, [mean.buffer, max.buffer]);
}
