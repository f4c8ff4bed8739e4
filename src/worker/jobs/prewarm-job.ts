/**
 * Pipelines off the critical path. The worker rehearses a flow on stand-ins
 * of the real sizes (zeros for data) and compiles every pipeline it would
 * dispatch (gpu/rehearsal.ts), so the click that starts the flow does not
 * wait on compilation:
 *   start  once per page load, in idle time after the model is ready: the
 *          fit and the SAE page's default training, at the model's default
 *          block (the pipelines depend on d, P and the SAE's sizes, not on
 *          how many images or steps), before there is any project data;
 *   fit / train  when the Dynamics or SAE page opens, at the project's sizes
 *          and the page's settings (nothing left to compile when they match).
 * Compilation goes a few pipelines at a time with a yield between, so a job
 * the user starts meanwhile is queued behind one small batch, not the whole
 * list (a pipeline it needs that is not compiled yet it compiles itself).
 */
import { PROJECT_FILES, ProjectFolder } from '../../data/opfs-project';
import { TrajectoryReader } from '../../data/trajectory-file';
import { readDynamicsFile, type DynamicsModel, type DynamicsVariant } from '../../dynamics/dynamics-file';
import { fitDynamics, type TrajectoryImages } from '../../dynamics/fit-dynamics';
import { trainSae } from '../../flows/train-sae';
import type { GpuContext } from '../../gpu/context';
import type { PipelineKey } from '../../gpu/pipelines';
import { rehearse } from '../../gpu/rehearsal';
import type { SaeConfig } from '../../sae/sae-config';
import { JobError } from '../job-error';
import { engineGpu } from '../loaded-model';
import type { JobContext } from './job-context';

/** Sizes of a collection: recorded steps S, positions P and channels d. */
export interface FlowSizes {
  S: number;
  P: number;
  d: number;
}

/** The pipelines to compile: the page's start (a fit of `variant` and training with `config` at `sizes`), or one flow of a project. */
export type PrewarmRequest =
  | { flow: 'start'; sizes: FlowSizes; variant: DynamicsVariant; config: SaeConfig }
  | ({ projectId: string } & ({ flow: 'fit'; variant: DynamicsVariant } | { flow: 'train'; config: SaeConfig }));

/** `compiled` of the `total` pipelines the flows dispatch that were not compiled already. */
export interface PrewarmProgress {
  type: 'prewarm';
  compiled: number;
  total: number;
}

/** `pipelines`: every pipeline the flows dispatch; `compiled`: those this job compiled (0 when all were ready). */
export interface PrewarmResult {
  pipelines: number;
  compiled: number;
  seconds: number;
}

/** Steps rehearsed for training: the first initialises b_dec, the second is a plain step. */
const REHEARSED_STEPS = 2;
/** Pipelines compiled at once between yields. */
const BATCH = 4;
/** Images in a stand-in collection (the pipelines do not depend on it). */
const STAND_IN_IMAGES = 8;

export async function prewarmJob(request: PrewarmRequest, job: JobContext<PrewarmProgress>): Promise<PrewarmResult> {
  const started = performance.now();
  const ctx = await engineGpu();
  const keys = request.flow === 'start' ? await startKeys(ctx, request) : await projectKeys(ctx, request);
  const missing = keys.filter((k) => !ctx.pipelines.has(k));
  job.emit({ type: 'prewarm', compiled: 0, total: missing.length });
  for (let i = 0; i < missing.length; i += BATCH) {
    job.signal.throwIfAborted();
    await ctx.pipelines.prewarm(missing.slice(i, i + BATCH));
    job.emit({ type: 'prewarm', compiled: Math.min(i + BATCH, missing.length), total: missing.length });
    // A macrotask between batches: the worker takes the messages (a job to run) that arrived meanwhile.
    await new Promise((resolve) => setTimeout(resolve, 0));
  }
  return { pipelines: keys.length, compiled: missing.length, seconds: (performance.now() - started) / 1000 };
}

/** The page's start: a fit and the default training at the default block's sizes, each on zeros. */
async function startKeys(ctx: GpuContext, { sizes, variant, config }: Extract<PrewarmRequest, { flow: 'start' }>): Promise<PipelineKey[]> {
  const { S, d } = sizes;
  const source = standIn({ N: STAND_IN_IMAGES, ...sizes });
  const dynamics: DynamicsModel = { variant, lambda: 1, S, d, A: new Float32Array((S - 1) * d * d), b: new Float32Array((S - 1) * d), scales: new Float32Array(S).fill(1), r2: new Float32Array(S - 1) };
  const fit = await rehearse(ctx, (dry) => fitDynamics(dry, source, { variant }));
  const train = await rehearse(ctx, (dry) => trainSae(dry, source, dynamics, { config, steps: REHEARSED_STEPS }));
  return [...fit.keys, ...train.keys];
}

/** One flow at the project's sizes (its trajectories' N, S, P, d; its dynamics for training). */
async function projectKeys(ctx: GpuContext, request: Exclude<PrewarmRequest, { flow: 'start' }>): Promise<PipelineKey[]> {
  const folder = await ProjectFolder.open(request.projectId);
  const file = await folder.file(PROJECT_FILES.trajectories);
  if (!file) throw new JobError('bad-input', 'nothing to prepare: the project has no trajectories yet');
  const source = standIn(await TrajectoryReader.open(file));
  if (request.flow === 'fit') return (await rehearse(ctx, (dry) => fitDynamics(dry, source, { variant: request.variant }))).keys;
  const dynamicsFile = await folder.file(PROJECT_FILES.dynamics);
  if (!dynamicsFile) throw new JobError('bad-input', 'nothing to prepare: the project has no dynamics yet');
  const dynamics = await readDynamicsFile(dynamicsFile);
  return (await rehearse(ctx, (dry) => trainSae(dry, source, dynamics, { config: request.config, steps: REHEARSED_STEPS }))).keys;
}

/** Trajectories of the given sizes that read as zeros. */
function standIn({ N, S, P, d }: { N: number } & FlowSizes): TrajectoryImages {
  return { N, S, P, d, readImages: async (n0, n1) => new Float32Array((n1 - n0) * S * P * d) };
}
