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
import type { GpuContext } from '../../gpu/context';
import { readCheckpoint, serializeCheckpoint } from '../../sae/checkpoint-file';
import { toSaeFile } from '../../sae/sae-interchange';
import { saeCfgJson, serializeSaeFile } from '../../sae/sae-file';
import { SaeTrainingDiverged } from '../../sae/train/trainer';
import type { RuntimeRequest } from '../runtime-protocol';
import type { JobContext } from './job-context';
import { measureSae } from './measure-sae';

export async function trainJob(ctx: GpuContext, request: Extract<RuntimeRequest, { type: 'train' }>, job: JobContext, stop: { signal: AbortSignal; mode: () => 'pause' | 'finish' }): Promise<void> {
  const started = performance.now();
  const folder = await ProjectFolder.open(request.projectId);
  const trajectories = await folder.file(PROJECT_FILES.trajectories);
  const dynamicsFile = await folder.file(PROJECT_FILES.dynamics);
  if (!trajectories || !dynamicsFile) throw new Error('this project needs trajectories and fitted dynamics before an SAE can be trained: collect and fit first');
  const reader = await TrajectoryReader.open(trajectories);
  const dynamics = await readDynamicsFile(dynamicsFile);
  const checkpointFile = request.resume ? await folder.file(PROJECT_FILES.checkpoint) : null;
  if (request.resume && !checkpointFile) throw new Error('there is no checkpoint to resume from; start a new training run');
  if (!request.resume) await folder.remove(PROJECT_FILES.checkpoint);
  const saveCheckpoint = async (c: Parameters<typeof serializeCheckpoint>[0]) => folder.writeWhole(PROJECT_FILES.checkpoint, serializeCheckpoint(c));

  let result;
  try {
    result = await trainSae(ctx, reader, dynamics, {
      config: request.config,
      steps: request.steps,
      checkpointEvery: request.checkpointEvery,
      saveCheckpoint,
      resume: checkpointFile ? await readCheckpoint(checkpointFile) : undefined,
      onMetrics: (metrics) => job.post({ type: 'metrics', id: job.id, metrics, steps: request.steps }),
      signal: job.signal,
      stop: stop.signal,
    });
  } catch (error) {
    if (error instanceof SaeTrainingDiverged) {
      throw new Error(`${error.message} The last checkpoint in the project is kept.`);
    }
    throw error;
  }
  const last = result.history.at(-1);
  const step = last?.step ?? 0;
  if (result.checkpoint && stop.mode() === 'pause') {
    await saveCheckpoint(result.checkpoint);
    job.post({ type: 'trained', id: job.id, state: 'paused', step, seconds: (performance.now() - started) / 1000, evaluation: null });
    return;
  }
  const sae = toSaeFile(request.config, result.weights, { model: reader.meta.model, hook: reader.meta.hook, dynamics, stepIndices: reader.meta.stepIndices });
  await folder.writeWhole(PROJECT_FILES.sae, serializeSaeFile(sae));
  await folder.writeWhole(PROJECT_FILES.saeCfg, new TextEncoder().encode(saeCfgJson(sae.cfg)));
  await folder.remove(PROJECT_FILES.checkpoint);
  const evaluation = await measureSae(ctx, folder, reader, dynamics, sae, job.signal);
  job.post({ type: 'trained', id: job.id, state: 'finished', step, seconds: (performance.now() - started) / 1000, evaluation });
}
