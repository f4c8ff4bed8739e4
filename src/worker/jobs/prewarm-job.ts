/**
 * Pipelines off the critical path: when the Dynamics or SAE page opens, the
 * worker rehearses the flow on a stand-in of the project's trajectories (the
 * real sizes, zeros for data) and compiles every pipeline it would dispatch,
 * asynchronously, so the click that starts the flow does not wait on
 * compilation (gpu/rehearsal.ts).
 */
import { PROJECT_FILES, ProjectFolder } from '../../data/opfs-project';
import { TrajectoryReader } from '../../data/trajectory-file';
import { readDynamicsFile, type DynamicsVariant } from '../../dynamics/dynamics-file';
import { fitDynamics, type TrajectoryImages } from '../../dynamics/fit-dynamics';
import { trainSae } from '../../flows/train-sae';
import { prewarmFor } from '../../gpu/rehearsal';
import type { SaeConfig } from '../../sae/sae-config';
import { JobError } from '../job-error';
import { engineGpu } from '../loaded-model';

/** The flow whose pipelines to compile: a fit of `variant`, or training with `config`. */
export type PrewarmRequest = { projectId: string } & ({ flow: 'fit'; variant: DynamicsVariant } | { flow: 'train'; config: SaeConfig });

export interface PrewarmResult {
  pipelines: number;
  seconds: number;
}

/** Steps rehearsed for training: the first initialises b_dec, the second is a plain step. */
const REHEARSED_STEPS = 2;

export async function prewarmJob(request: PrewarmRequest): Promise<PrewarmResult> {
  const started = performance.now();
  const ctx = await engineGpu();
  const folder = await ProjectFolder.open(request.projectId);
  const file = await folder.file(PROJECT_FILES.trajectories);
  if (!file) throw new JobError('bad-input', 'nothing to prepare: the project has no trajectories yet');
  const { N, S, P, d } = await TrajectoryReader.open(file);
  const standIn: TrajectoryImages = { N, S, P, d, readImages: async (n0, n1) => new Float32Array((n1 - n0) * S * P * d) };
  let pipelines: number;
  if (request.flow === 'fit') {
    pipelines = (await prewarmFor(ctx, (dry) => fitDynamics(dry, standIn, { variant: request.variant }))).keys.length;
  } else {
    const dynamicsFile = await folder.file(PROJECT_FILES.dynamics);
    if (!dynamicsFile) throw new JobError('bad-input', 'nothing to prepare: the project has no dynamics yet');
    const dynamics = await readDynamicsFile(dynamicsFile);
    pipelines = (await prewarmFor(ctx, (dry) => trainSae(dry, standIn, dynamics, { config: request.config, steps: REHEARSED_STEPS }))).keys.length;
  }
  return { pipelines, seconds: (performance.now() - started) / 1000 };
}
