/**
 * Which latents fire for a prompt: it is generated with the hook recorded
 * (the unsteered run, cached for steering) and every latent's mean and
 * maximum activation over its positions measured.
 */
import { imageLatentActivations } from '../../analysis/image-latent-activations';
import { imageMeanMax } from '../../analysis/image-mean-max';
import { hookedModel } from '../loaded-model';
import { Transferred, type JobContext } from './job-context';
import { sessionFor } from './steering-session';

export interface PromptLatentsRequest {
  projectId: string;
  prompt: string;
  seed: number;
}

/** [m] each: mean and maximum activation over the prompt's positions. */
export interface PromptLatentsResult {
  mean: Float32Array;
  max: Float32Array;
}

export async function promptLatentsJob(request: PromptLatentsRequest, job: JobContext<never>): Promise<Transferred<PromptLatentsResult>> {
  const model = hookedModel('ranking latents for a prompt needs the model loaded with the SAE’s hook: load it on the Model page');
  const { session, source, sampler } = await sessionFor(model, request.projectId);
  const run = await session.unsteered(request.prompt, request.seed, sampler, '', job.signal);
  const m = source.sae.config.latents;
  const f = await imageLatentActivations(model.gpu, source.dynamics, source.sae, run.trajectory!, Array.from({ length: m }, (_, k) => k));
  const { mean, max } = imageMeanMax(f, m, 1, run.trajectory!.length / (source.dynamics.S * source.dynamics.d));
  return new Transferred({ mean, max }, [mean.buffer, max.buffer]);
}
