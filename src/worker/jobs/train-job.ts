/**
 * Train in the worker: the residualized temporal SAE on the project's
 * trajectories and dynamics, metrics streamed to the page, a checkpoint in
 * the project folder every `checkpointEvery` steps (and at a pause), so a
 * paused or reloaded run resumes. Finished (or stopped with "finish"), the
 * SAE is saved with its SAELens-style cfg.json.
 */
import { PROJECT_FILES, ProjectFolder } from '../../data/opfs-project';
import { TrajectoryReader } from '../../data/trajectory-file';
import { readDynamicsFile } from '../../dynamics/dynamics-file';
import { trainSae } from '../../flows/train-sae';
import { readCheckpoint, serializeCheckpoint } from '../../sae/checkpoint-file';
import { toSaeFile } from '../../sae/sae-interchange';
import { saeCfgJson, serializeSaeFile } from '../../sae/sae-file';
import type { SaeConfig } from '../../sae/sae-config';
import type { SaeEvaluation } from '../../sae/sae-evaluation';
import type { SaeTrainingMetrics } from '../../sae/train/metrics';
import { SaeTrainingDiverged } from '../../sae/train/trainer';
import type { SaeCheckpoint } from '../../sae/train/training-state';
import { GpuDeviceLostError } from '../../gpu/errors';
import { deviceWatch } from '../device-loss';
import { JobError } from '../job-error';
import { engineGpu } from '../loaded-model';
import type { JobContext } from './job-context';
import { measureSae } from './measure-sae';
import { forgetProjectSae } from './project-sae';

/** Train (or, `resume`, continue from the checkpoint) the project's SAE. */
export interface TrainRequest {
  projectId: string;
  config: SaeConfig;
  steps: number;
  checkpointEvery: number;
  resume: boolean;
}

export interface MetricsEvent {
  type: 'metrics';
  metrics: SaeTrainingMetrics;
  steps: number;
}

/** `evaluation`: the finished SAE measured on every token (what `eval --json` reports), null when paused. */
export interface TrainResult {
  state: 'finished' | 'paused';
  step: number;
  seconds: number;
  evaluation: SaeEvaluation | null;
}

export async function trainJob(request: TrainRequest, job: JobContext<MetricsEvent>): Promise<TrainResult> {
  const started = performance.now();
  const ctx = await engineGpu();
  // Training needs the GPU memory, and replaces the SAE: the cached project SAE's copies go now.
  forgetProjectSae();
  const folder = await ProjectFolder.open(request.projectId);
  const trajectories = await folder.file(PROJECT_FILES.trajectories);
  const dynamicsFile = await folder.file(PROJECT_FILES.dynamics);
  if (!trajectories || !dynamicsFile) throw new JobError('bad-input', 'this project needs trajectories and fitted dynamics before an SAE can be trained: collect and fit first');
  const reader = await TrajectoryReader.open(trajectories);
  const dynamics = await readDynamicsFile(dynamicsFile);
  const checkpointFile = request.resume ? await folder.file(PROJECT_FILES.checkpoint) : null;
  if (request.resume && !checkpointFile) throw new JobError('bad-input', 'there is no checkpoint to resume from; start a new training run');
  if (!request.resume) await folder.remove(PROJECT_FILES.checkpoint);
  const resume = checkpointFile ? await readCheckpoint(checkpointFile) : undefined;
  // The step of the checkpoint in the folder: where a run stopped by a lost device resumes.
  let savedStep = resume ? checkpointStep(resume) : null;
  const saveCheckpoint = async (c: SaeCheckpoint) => {
    await folder.writeWhole(PROJECT_FILES.checkpoint, serializeCheckpoint(c));
    savedStep = checkpointStep(c);
  };

  let result;
  try {
    result = await trainSae(ctx, reader, dynamics, {
      config: request.config,
      steps: request.steps,
      checkpointEvery: request.checkpointEvery,
      saveCheckpoint,
      resume,
      onMetrics: (metrics) => job.emit({ type: 'metrics', metrics, steps: request.steps }),
      signal: job.signal,
      stop: job.stopSignal,
    });
  } catch (error) {
    if (error instanceof SaeTrainingDiverged) {
      throw new Error(`${error.message} The last checkpoint in the project is kept.`);
    }
    // The weights on a lost device cannot be read back: the last periodic checkpoint is the resume point.
    if (!job.signal.aborted) await deviceWatch.settle();
    if (job.signal.reason instanceof GpuDeviceLostError) throw deviceLostPause(job.signal.reason, savedStep);
    throw error;
  }
  const last = result.history.at(-1);
  const step = last?.step ?? 0;
  if (result.checkpoint && job.stopMode() === 'pause') {
    await saveCheckpoint(result.checkpoint);
    return { state: 'paused', step, seconds: (performance.now() - started) / 1000, evaluation: null };
  }
  const sae = toSaeFile(request.config, result.weights, { model: reader.meta.model, hook: reader.meta.hook, dynamics, stepIndices: reader.meta.stepIndices });
  await folder.writeWhole(PROJECT_FILES.sae, serializeSaeFile(sae));
  await folder.writeWhole(PROJECT_FILES.saeCfg, new TextEncoder().encode(saeCfgJson(sae.cfg)));
  await folder.remove(PROJECT_FILES.checkpoint);
  const evaluation = await measureSae(ctx, folder, reader, dynamics, sae, job.signal);
  return { state: 'finished', step, seconds: (performance.now() - started) / 1000, evaluation };
}

/** A checkpoint's step: the first of its counters (training-state.ts writes [stepCount, tokens…]). */
function checkpointStep(checkpoint: SaeCheckpoint): number {
  return checkpoint.counters?.[0] ?? 0;
}

/** Training stopped by a lost device, as the page hears it: resumable from `savedStep`'s checkpoint, or to be started again. */
function deviceLostPause(lost: GpuDeviceLostError, savedStep: number | null): JobError {
  if (savedStep === null) return new JobError('device-lost', `${lost.what}. Training stopped before its first checkpoint, so there is nothing to resume: train again.`);
  return new JobError('device-lost', `${lost.what}. Training is paused at its last checkpoint, step ${savedStep}: Resume continues from there.`, undefined, savedStep);
}
