/**
 * Fit in the worker: the linear timestep dynamics of the project's
 * trajectories, for one variant or several side by side; the first variant
 * is saved as the project's `dynamics.safetensors` (what SAE training uses).
 */
import { PROJECT_FILES, ProjectFolder } from '../../data/opfs-project';
import { TrajectoryReader } from '../../data/trajectory-file';
import { serializeDynamicsFile, type DynamicsVariant } from '../../dynamics/dynamics-file';
import { fitDynamics } from '../../dynamics/fit-dynamics';
import { fittedVariant, type FittedVariant } from '../../dynamics/fitted-variant';
import { JobError } from '../job-error';
import { engineGpu } from '../loaded-model';
import type { JobContext, JobProgress } from './job-context';
import { forgetProjectSae } from './project-sae';

/** Fit each variant on the project's trajectories; the first is saved as the project's dynamics. */
export interface FitRequest {
  projectId: string;
  variants: DynamicsVariant[];
  lambda: number | null;
  heldoutFraction: number;
}

export interface FitResult {
  results: FittedVariant[];
  seconds: number;
}

export async function fitJob(request: FitRequest, job: JobContext<JobProgress>): Promise<FitResult> {
  const started = performance.now();
  const ctx = await engineGpu();
  // The fit replaces the dynamics: the cached project SAE's copies go now.
  forgetProjectSae();
  const folder = await ProjectFolder.open(request.projectId);
  const file = await folder.file(PROJECT_FILES.trajectories);
  if (!file || (await folder.has(PROJECT_FILES.collectProgress))) throw new JobError('bad-input', 'this project has no complete trajectory file yet: finish the collection first');
  const reader = await TrajectoryReader.open(file);
  const results: FittedVariant[] = [];
  for (const [i, variant] of request.variants.entries()) {
    const model = await fitDynamics(ctx, reader, {
      variant,
      lambda: request.lambda ?? undefined,
      heldoutFraction: request.heldoutFraction,
      signal: job.signal,
      onProgress: (p) =>
        job.emit({ type: 'progress', stage: `${variant}: ${p.phase === 'read' ? 'reading trajectories' : 'solving'}`, loaded: i * 2 + (p.phase === 'read' ? 0 : 1) + p.done / p.total, total: request.variants.length * 2, bytesPerSecond: 0, etaSeconds: null }),
    });
    if (i === 0) await folder.writeWhole(PROJECT_FILES.dynamics, serializeDynamicsFile(model));
    results.push(fittedVariant(model));
  }
  return { results, seconds: (performance.now() - started) / 1000 };
}
