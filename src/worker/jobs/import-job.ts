/**
 * Import in the worker: a file dropped on a project is read as what its
 * metadata says — a whole project, a trajectory file, a dynamics file, or
 * an SAE (ours, or SAELens / sparsify with the cfg.json beside it) — validated by the same
 * readers the jobs use (from its header, read by slices of the file), and
 * streamed into the project folder under the artifact's name, never read
 * into memory whole. An SAE is the exception: it is converted to our own
 * single-file form, so it is read to be rewritten. A file that is none of
 * these is refused with the reason; the project keeps what it had.
 */
import { PROJECT_FILES, ProjectFolder } from '../../data/opfs-project';
import { indexProjectBundle } from '../../data/project-bundle';
import { SafetensorsFile } from '../../data/safetensors';
import { TrajectoryReader, type ActivationDtype, type TrajectoryMeta } from '../../data/trajectory-file';
import { readDynamicsFile } from '../../dynamics/dynamics-file';
import { fittedVariant, type FittedVariant } from '../../dynamics/fitted-variant';
import type { SaeConfig } from '../../sae/sae-config';
import { readSaeFile, serializeSaeFile } from '../../sae/sae-file';
import { fromSaeFile } from '../../sae/sae-interchange';
import { JobError } from '../job-error';
import { engineGpu } from '../loaded-model';
import { measureSae } from './measure-sae';
import { forgetProjectSae } from './project-sae';
import type { JobContext } from './job-context';

/**
 * `cfgJson`: an SAELens / sparsify SAE's config. `trajectories`: the shape of the project's trajectories,
 * which a dynamics file or an SAE must fit (checked before anything is written).
 */
export interface ImportRequest {
  projectId: string;
  file: File;
  cfgJson: string | null;
  trajectories: { S: number; d: number } | null;
}

/** What an imported file turned out to be, with what the page records of it. */
export type ImportedArtifact =
  | { kind: 'trajectories'; meta: TrajectoryMeta; N: number; S: number; P: number; d: number; dtype: ActivationDtype; bytes: number }
  | { kind: 'dynamics'; fitted: FittedVariant; S: number; d: number }
  | { kind: 'sae'; config: SaeConfig; source: string }
  /** A whole project (its files are now the folder of the request's project id). */
  | { kind: 'project'; record: unknown; files: number };

/** Batch size recorded for an imported SAE's config (inference batches are measureSae's). */
const IMPORT_BATCH = 1024;

export async function importJob(request: ImportRequest, job: JobContext<never>): Promise<ImportedArtifact> {
  const { file } = request;
  let header: SafetensorsFile;
  try {
    header = await SafetensorsFile.open(file);
  } catch (error) {
    throw new JobError('bad-input', `${file.name} is not a safetensors file (${(error as Error).message}); import trajectories, dynamics or an SAE saved as .safetensors`);
  }
  const folder = await ProjectFolder.open(request.projectId);
  // Whatever it replaces, the project's cached SAE and its GPU copies are stale now.
  forgetProjectSae();
  const kind = header.metadata.kind;
  if (kind === 'project') {
    const bundle = await indexProjectBundle(file);
    for (const f of bundle.files) await folder.writeWhole(f.name, file.slice(f.begin, f.end));
    return { kind: 'project', record: bundle.record, files: bundle.files.length };
  }
  if (kind === 'trajectories') {
    const reader = await TrajectoryReader.open(file);
    await folder.writeWhole(PROJECT_FILES.trajectories, file);
    await folder.remove(PROJECT_FILES.collectProgress);
    return { kind: 'trajectories', meta: reader.meta, N: reader.N, S: reader.S, P: reader.P, d: reader.d, dtype: reader.dtype, bytes: file.size };
  }
  if (kind === 'dynamics') {
    const m = await readDynamicsFile(file);
    const t = request.trajectories;
    if (t && (t.S !== m.S || t.d !== m.d)) throw new JobError('bad-input', `${file.name} was fitted for S = ${m.S}, d = ${m.d}, but this project's trajectories have S = ${t.S}, d = ${t.d}; nothing was changed`);
    await folder.writeWhole(PROJECT_FILES.dynamics, file);
    return { kind: 'dynamics', S: m.S, d: m.d, fitted: fittedVariant(m) };
  }
  const sae = await readSaeFile(file, request.cfgJson ?? undefined);
  const { config } = fromSaeFile(sae, IMPORT_BATCH);
  const t = request.trajectories;
  if (t && config.dIn !== t.S * t.d) throw new JobError('bad-input', `${file.name} reads ${config.dIn} values per token, but this project's trajectories give S·d = ${t.S}·${t.d} = ${t.S * t.d}; nothing was changed`);
  // Stored in our own single-file form, so the project needs no cfg.json beside it.
  await folder.writeWhole(PROJECT_FILES.sae, serializeSaeFile(sae));
  await folder.remove(PROJECT_FILES.latentStats);
  // With the project's trajectories and dynamics, measure its latents now, as training does, for the Latents page.
  const trajectories = await folder.file(PROJECT_FILES.trajectories);
  const dynamicsFile = await folder.file(PROJECT_FILES.dynamics);
  if (trajectories && dynamicsFile && t) {
    const reader = await TrajectoryReader.open(trajectories);
    await measureSae(await engineGpu(), folder, reader, await readDynamicsFile(dynamicsFile), sae, job.signal);
  }
  return { kind: 'sae', config, source: kind === 'sae' ? 'Trajectory Lab' : 'SAELens / sparsify' };
}
