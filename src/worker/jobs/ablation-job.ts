/**
 * The ablation in the worker: the four SAEs of the paper's comparison
 * (residualized or not, concatenated or per step) on the project's
 * trajectories at equal latents and L0, trained on the same images and
 * measured on the same held-out ones; progress per arm, the table at the end.
 */
import { PROJECT_FILES, ProjectFolder } from '../../data/opfs-project';
import { TrajectoryReader } from '../../data/trajectory-file';
import { runAblation, type AblationRow } from '../../flows/ablation';
import { ABLATION_ARMS } from '../../sae/ablation-arms';
import { runScaledDefaults, type SaeConfig } from '../../sae/sae-config';
import { JobError } from '../job-error';
import { engineGpu } from '../loaded-model';
import type { JobContext } from './job-context';

/** The CLI's default, so the page and `ablation` run the same steps. */
const ABLATION_METRICS_EVERY = 50;

export interface AblationRequest {
  projectId: string;
  sae: { latents: number; k: number; batchSize: number; lr: number; seed: number; activation: SaeConfig['activation'] };
  steps: number;
}

/** Arm `arm` (the index-th of `arms`) entered `phase`. */
export interface AblationArmEvent {
  type: 'ablation-arm';
  arm: string;
  phase: 'fit' | 'train' | 'eval';
  index: number;
  arms: number;
}

/** One arm of the ablation, measured on the held-out images, as the project records it. */
export type AblationRowData = Pick<AblationRow, 'kPerRow' | 'tokens' | 'fvuZ' | 'fvuX' | 'fvuXPerStep' | 'l0' | 'deadPercent'> & { arm: string };

export interface AblationResult {
  rows: AblationRowData[];
  seconds: number;
}

export async function ablationJob(request: AblationRequest, job: JobContext<AblationArmEvent>): Promise<AblationResult> {
  const started = performance.now();
  const ctx = await engineGpu();
  const folder = await ProjectFolder.open(request.projectId);
  const file = await folder.file(PROJECT_FILES.trajectories);
  if (!file || (await folder.has(PROJECT_FILES.collectProgress))) throw new JobError('bad-input', 'the ablation needs a complete trajectory file: finish the collection first');
  const reader = await TrajectoryReader.open(file);
  const rows = await runAblation(ctx, reader, {
    sae: { ...request.sae, ...runScaledDefaults(request.steps, request.sae.batchSize), metricsEvery: ABLATION_METRICS_EVERY },
    steps: request.steps,
    signal: job.signal,
    onArm: (arm, phase) => job.emit({ type: 'ablation-arm', arm, phase, index: ABLATION_ARMS.findIndex((a) => a.name === arm), arms: ABLATION_ARMS.length }),
  });
  return {
    rows: rows.map((r) => ({ arm: r.arm, kPerRow: r.kPerRow, tokens: r.tokens, fvuZ: r.fvuZ, fvuX: r.fvuX, fvuXPerStep: r.fvuXPerStep, l0: r.l0, deadPercent: r.deadPercent })),
    seconds: (performance.now() - started) / 1000,
  };
}
