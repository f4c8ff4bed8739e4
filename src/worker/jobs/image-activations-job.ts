/** Every latent's mean and maximum activation on every image of the project (concept ranking, attribute AUROC). */
import { imageActivationSummaries } from '../../analysis/image-activation-summaries';
import { engineGpu } from '../loaded-model';
import { progress, Transferred, type JobContext, type JobProgress } from './job-context';
import { projectSae } from './project-sae';

export interface ImageActivationsRequest {
  projectId: string;
}

export interface ImageActivationsResult {
  N: number;
  m: number;
  /** [N, m] row-major each. */
  mean: Float32Array;
  max: Float32Array;
}

export async function imageActivationsJob(request: ImageActivationsRequest, job: JobContext<JobProgress>): Promise<Transferred<ImageActivationsResult>> {
  const ctx = await engineGpu();
  const { reader, dynamics, sae } = await projectSae(request.projectId, ctx);
  const { mean, max } = await imageActivationSummaries(ctx, reader, dynamics, sae, {
    signal: job.signal,
    onProgress: (done, total) => job.emit(progress('encoding every image', done, total)),
  });
  return new Transferred({ N: reader.N, m: sae.config.latents, mean, max }, [mean.buffer, max.buffer]);
}
