/**
 * One SteeringSession per project SAE and model (flows/steer-image.ts), so
 * the unsteered run is cached and a slider move only re-runs the steered
 * calls; a new model, or a project SAE read anew (another project, a file
 * changed), starts a new session. The norm unit's activation norms come from
 * the project (project-activation-norms.ts): a job that may measure them
 * first asks for them itself, with its progress.
 */
import type { DiffusionModel } from '../../diffusion/diffusion-model';
import type { SamplerSettings } from '../../diffusion/denoise';
import type { SchedulerName } from '../../diffusion/schedulers';
import { SteeringSession } from '../../flows/steer-image';
import { JobError } from '../job-error';
import { projectActivationNorms } from './project-activation-norms';
import { projectSae, type ProjectSae } from './project-sae';

let session: { model: string; source: ProjectSae; session: SteeringSession } | null = null;

/** The project's steering session for this model, the SAE, and the collection's sampler. */
export async function sessionFor(model: DiffusionModel, projectId: string): Promise<{ session: SteeringSession; source: ProjectSae; sampler: SamplerSettings }> {
  const source = await projectSae(projectId, model.gpu);
  if (session?.model !== model.id || session.source !== source) {
    const activationNorms = async () => (await projectActivationNorms(projectId)).meanNorm;
    session = { model: model.id, source, session: new SteeringSession(model, { dynamics: source.dynamics, sae: source.sae, cfg: source.cfg, meanActivations: source.stats.statistics.meanActivation, activationNorms }) };
  }
  const recorded = source.reader.meta.sampler;
  if (!recorded) throw new JobError('bad-input', 'the trajectory file does not say how its images were generated (no sampler metadata); steer needs the collection’s sampler');
  // The SAE's steps are UNet calls of this sampler's run: steering uses the same one.
  return { session: session.session, source, sampler: { scheduler: recorded.scheduler as SchedulerName, steps: recorded.steps, guidance: recorded.guidance } };
}
