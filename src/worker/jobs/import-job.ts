/**
 * Import in the worker: a file dropped on a project is read as what its
 * metadata says — a whole project, a trajectory file, a dynamics file, or
 * an SAE (ours, or SAELens / sparsify with the cfg.json beside it) — validated by the same
 * readers the jobs use, and copied into the project folder under the
 * artifact's name. A file that is none of these is refused with the reason;
 * the project keeps what it had.
 */
import { PROJECT_FILES, ProjectFolder } from '../../data/opfs-project';
import { readProjectBundle } from '../../data/project-bundle';
import { SafetensorsFile } from '../../data/safetensors';
import { TrajectoryReader } from '../../data/trajectory-file';
import { readDynamicsFile } from '../../dynamics/dynamics-file';
import type { GpuContext } from '../../gpu/context';
import { readSaeFile, serializeSaeFile } from '../../sae/sae-file';
import { fromSaeFile } from '../../sae/sae-interchange';
import type { ImportedArtifact, RuntimeRequest } from '../runtime-protocol';
import type { JobContext } from './job-context';
import { measureSae } from './measure-sae';

/** Batch size recorded for an imported SAE's config (inference batches are measureSae's). */
const IMPORT_BATCH = 1024;

export async function importJob(ctx: GpuContext, request: Extract<RuntimeRequest, { type: 'import' }>, job: JobContext): Promise<void> {
  const { file } = request;
  let header: SafetensorsFile;
  try {
    header = await SafetensorsFile.open(file);
  } catch (error) {
    throw new Error(`${file.name} is not a safetensors file (${(error as Error).message}); import trajectories, dynamics or an SAE saved as .safetensors`);
  }
  const folder = await ProjectFolder.open(request.projectId);
  const kind = header.metadata.kind;
  let artifact: ImportedArtifact;
  if (kind === 'project') {
    const bundle = await readProjectBundle(file);
    for (const f of bundle.files) await folder.writeWhole(f.name, f.bytes);
    artifact = { kind: 'project', record: bundle.record, files: bundle.files.length };
  } else if (kind === 'trajectories') {
    const reader = await TrajectoryReader.open(file);
    await folder.writeWhole(PROJECT_FILES.trajectories, file);
    await folder.remove(PROJECT_FILES.collectProgress);
    artifact = { kind: 'trajectories', meta: reader.meta, N: reader.N, S: reader.S, P: reader.P, d: reader.d, dtype: reader.dtype, bytes: file.size };
  } else if (kind === 'dynamics') {
    const m = await readDynamicsFile(file);
    const t = request.trajectories;
    if (t && (t.S !== m.S || t.d !== m.d)) throw new Error(`${file.name} was fitted for S = ${m.S}, d = ${m.d}, but this project's trajectories have S = ${t.S}, d = ${t.d}; nothing was changed`);
    await folder.writeWhole(PROJECT_FILES.dynamics, file);
    artifact = { kind: 'dynamics', S: m.S, d: m.d, fitted: { variant: m.variant, lambda: m.lambda, r2: Array.from(m.r2), r2Heldout: m.r2Heldout ? Array.from(m.r2Heldout) : null } };
  } else {
    const sae = await readSaeFile(file, request.cfgJson ?? undefined);
    const { config } = fromSaeFile(sae, IMPORT_BATCH);
    const t = request.trajectories;
    if (t && config.dIn !== t.S * t.d) throw new Error(`${file.name} reads ${config.dIn} values per token, but this project's trajectories give S·d = ${t.S}·${t.d} = ${t.S * t.d}; nothing was changed`);
    // Stored in our own single-file form, so the project needs no cfg.json beside it.
    await folder.writeWhole(PROJECT_FILES.sae, serializeSaeFile(sae));
    await folder.remove(PROJECT_FILES.latentStats);
    // With the project's trajectories and dynamics, measure its latents now, as training does, for the Latents page.
    const trajectories = await folder.file(PROJECT_FILES.trajectories);
    const dynamicsFile = await folder.file(PROJECT_FILES.dynamics);
    if (trajectories && dynamicsFile && t) {
      const reader = await TrajectoryReader.open(trajectories);
      await measureSae(ctx, folder, reader, await readDynamicsFile(dynamicsFile), sae, job.signal);
    }
    artifact = { kind: 'sae', config, source: kind === 'sae' ? 'Trajectory Lab' : 'SAELens / sparsify' };
  }
  job.post({ type: 'imported', id: job.id, artifact });
}
