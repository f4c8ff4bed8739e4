/**
 * Fit in the worker: the linear timestep dynamics of the project's
 * trajectories, for one variant or several side by side; the first variant
 * is saved as the project's `dynamics.safetensors` (what SAE training uses).
 */
import { PROJECT_FILES, ProjectFolder } from '../../data/opfs-project';
import { TrajectoryReader } from '../../data/trajectory-file';
import { serializeDynamicsFile } from '../../dynamics/dynamics-file';
import { fitDynamics } from '../../dynamics/fit-dynamics';
import type { GpuContext } from '../../gpu/context';
import type { FittedVariant, RuntimeRequest } from '../runtime-protocol';
import type { JobContext } from './job-context';

export async function fitJob(ctx: GpuContext, request: Extract<RuntimeRequest, { type: 'fit' }>, job: JobContext): Promise<void> {
  const started = performance.now();
  const folder = await ProjectFolder.open(request.projectId);
  const file = await folder.file(PROJECT_FILES.trajectories);
  if (!file || (await folder.has(PROJECT_FILES.collectProgress))) throw new Error('this project has no complete trajectory file yet: finish the collection first');
  const reader = await TrajectoryReader.open(file);
  const results: FittedVariant[] = [];
  for (const [i, variant] of request.variants.entries()) {
    const model = await fitDynamics(ctx, reader, {
      variant,
      lambda: request.lambda ?? undefined,
      heldoutFraction: request.heldoutFraction,
      signal: job.signal,
      onProgress: (p) =>
        job.post({ type: 'progress', id: job.id, stage: `${variant}: ${p.phase === 'read' ? 'reading trajectories' : 'solving'}`, loaded: i * 2 + (p.phase === 'read' ? 0 : 1) + p.done / p.total, total: request.variants.length * 2, bytesPerSecond: 0, etaSeconds: null }),
    });
    if (i === 0) await folder.writeWhole(PROJECT_FILES.dynamics, serializeDynamicsFile(model));
    results.push({ variant, lambda: model.lambda, r2: Array.from(model.r2), r2Heldout: model.r2Heldout ? Array.from(model.r2Heldout) : null });
  }
  job.post({ type: 'fitted', id: job.id, results, seconds: (performance.now() - started) / 1000 });
}
