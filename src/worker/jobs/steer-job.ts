/**
 * Steer in the worker: the project's SAE latents added to (or ablated from)
 * a new generation of the loaded model, through one SteeringSession per
 * project and model, so the unsteered run is cached and a slider move only
 * re-runs the steered calls. On the toy model the attribute probe reads both
 * images.
 */
import { readAttributes } from '../../diffusion/attribute-probe';
import type { DiffusionModel } from '../../diffusion/diffusion-model';
import type { ModelSession } from '../../diffusion/ort-runtime';
import type { SamplerSettings } from '../../diffusion/denoise';
import type { SchedulerName } from '../../diffusion/schedulers';
import { SteeringSession } from '../../flows/steer-image';
import type { RuntimeRequest } from '../runtime-protocol';
import type { JobContext } from './job-context';
import { projectSae } from './project-sae';

let session: { key: string; session: SteeringSession } | null = null;

export async function steerJob(model: DiffusionModel, probe: ModelSession | null, request: Extract<RuntimeRequest, { type: 'steer' }>, job: JobContext): Promise<void> {
  const started = performance.now();
  const source = await projectSae(request.projectId);
  const key = `${request.projectId} ${model.id} ${source.cfg.d_sae} ${source.stats.statistics.tokens}`;
  if (session?.key !== key) session = { key, session: new SteeringSession(model, { dynamics: source.dynamics, sae: source.sae, cfg: source.cfg, meanActivations: source.stats.statistics.meanActivation }) };
  const recorded = source.reader.meta.sampler;
  if (!recorded) throw new Error('the trajectory file does not say how its images were generated (no sampler metadata); steer needs the collection’s sampler');
  // The SAE's steps are UNet calls of this sampler's run: steering uses the same one.
  const sampler: SamplerSettings = { scheduler: recorded.scheduler as SchedulerName, steps: recorded.steps, guidance: recorded.guidance };
  const result = await session.session.steer(
    request.prompt,
    request.seed,
    sampler,
    { latents: request.latents, window: request.window ?? undefined, mask: request.mask, ablate: request.ablate, conditionalOnly: request.conditionalOnly, signal: job.signal },
    request.negativePrompt,
  );
  const readings = probe ? { unsteered: await readAttributes(probe, model.manifest, result.unsteered.image), steered: await readAttributes(probe, model.manifest, result.steered.image) } : null;
  const pixels = (image: { width: number; height: number; data: Uint8ClampedArray }) => ({ width: image.width, height: image.height, rgba: new Uint8ClampedArray(image.data).buffer });
  const unsteered = pixels(result.unsteered.image);
  const steered = pixels(result.steered.image);
  job.post(
    { type: 'steered', id: job.id, unsteered, steered, readings, meanActivations: result.meanActivations, callsRun: result.steered.callsRun, seconds: (performance.now() - started) / 1000 },
    [unsteered.rgba, steered.rgba],
  );
}
