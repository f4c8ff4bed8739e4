/**
 * One latent's spatial maps f_k(n, p) on chosen images of the project,
 * encoded on the GPU from the images' trajectories in one pass.
 */
import { asOneImage } from '../../analysis/image-activation-summaries';
import { imageLatentActivations } from '../../analysis/image-latent-activations';
import { JobError } from '../job-error';
import { engineGpu } from '../loaded-model';
import { Transferred, type JobContext } from './job-context';
import { projectSae } from './project-sae';

export interface LatentMapsRequest {
  projectId: string;
  latent: number;
  images: number[];
}

export interface LatentMapsResult {
  latent: number;
  /** [images, P] f_k(n, p), image by image in the order asked. */
  maps: Float32Array;
}

export async function latentMapsJob(request: LatentMapsRequest, job: JobContext<never>): Promise<Transferred<LatentMapsResult>> {
  const ctx = await engineGpu();
  const { reader, dynamics, sae } = await projectSae(request.projectId, ctx);
  const { S, P, d } = reader;
  const n = request.images.length;
  const chosen = new Float32Array(n * S * P * d);
  for (const [i, image] of request.images.entries()) {
    if (!Number.isInteger(image) || image < 0 || image >= reader.N) throw new JobError('bad-input', `image ${image} is outside 0..${reader.N - 1}`);
    chosen.set(await reader.readImages(image, image + 1), i * S * P * d);
  }
  job.signal.throwIfAborted();
  // All chosen images in one encoder pass: [R, n·P].
  const f = await imageLatentActivations(ctx, dynamics, sae, asOneImage(chosen, n, S, P, d), [request.latent]);
  const R = f.length / (n * P);
  // A per-step SAE gives f at every step: the map is its maximum over the steps.
  const maps = new Float32Array(n * P);
  for (let r = 0; r < R; r++) for (let q = 0; q < n * P; q++) maps[q] = Math.max(maps[q], f[r * n * P + q]);
  return new Transferred({ latent: request.latent, maps }, [maps.buffer]);
}
