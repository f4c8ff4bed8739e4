/**
 * The ablation in the worker: the four SAEs of DESIGN §1.7 (residualized or
 * not, concatenated or per step) on the project's trajectories at equal
 * latents and L0, trained on the same images and measured on the same
 * held-out ones; progress per arm, the table at the end.
 */
import { PROJECT_FILES, ProjectFolder } from '../../data/opfs-project';
import { TrajectoryReader } from '../../data/trajectory-file';
import { ABLATION_ARMS, runAblation } from '../../flows/ablation';
import type { GpuContext } from '../../gpu/context';
import { runScaledDefaults } from '../../sae/sae-config';
import type { RuntimeRequest } from '../runtime-protocol';
import type { JobContext } from './job-context';

/** The CLI's default, so the page and `ablation` run the same steps. */
const ABLATION_METRICS_EVERY = 50;

export async function ablationJob(ctx: GpuContext, request: Extract<RuntimeRequest, { type: 'ablation' }>, job: JobContext): Promise<void> {
  const started = performance.now();
  const folder = await ProjectFolder.open(request.projectId);
  const file = await folder.file(PROJECT_FILES.trajectories);
  if (!file || (await folder.has(PROJECT_FILES.collectProgress))) throw new Error('the ablation needs a complete trajectory file: finish the collection first');
  const reader = await TrajectoryReader.open(file);
  const rows = await runAblation(ctx, reader, {
    sae: { ...request.sae, ...runScaledDefaults(request.steps, request.sae.batchSize), metricsEvery: ABLATION_METRICS_EVERY },
    steps: request.steps,
    signal: job.signal,
    onArm: (arm, phase) => job.post({ type: 'ablation-arm', id: job.id, arm, phase, index: ABLATION_ARMS.findIndex((a) => a.name === arm), arms: ABLATION_ARMS.length }),
  });
  job.post({
    type: 'ablation-done',
    id: job.id,
    rows: rows.map((r) => ({ arm: r.arm, kPerRow: r.kPerRow, tokens: r.tokens, fvuZ: r.fvuZ, fvuX: r.fvuX, fvuXPerStep: r.fvuXPerStep, l0: r.l0, deadPercent: r.deadPercent })),
    seconds: (performance.now() - started) / 1000,
  });
}
