/**
 * Every latent's automatic label and thumbnail map for the Latents list
 * (analysis/latent-labels.ts): read from the project folder when they were
 * made from the current statistics and attributes, else measured now (one
 * encoder pass) and saved there, so they are made once per trained or
 * imported SAE, the first time its latents are listed.
 */
import { readLatentLabels, labelSource, serializeLatentLabels } from '../../analysis/latent-labels-file';
import { measureLatentLabels, type ImageAttributes, type LatentLabels } from '../../analysis/latent-labels';
import { PROJECT_FILES, ProjectFolder } from '../../data/opfs-project';
import { latentTable } from '../../sae/latent-table';
import { engineGpu } from '../loaded-model';
import { progress, Transferred, type JobContext, type JobProgress } from './job-context';
import { projectSae } from './project-sae';

/** `attributes`: each prompt's known attribute values (the toy's grid), used when there is one per image. */
export interface LatentLabelsRequest {
  projectId: string;
  attributes: ImageAttributes | null;
}

export async function latentLabelsJob(request: LatentLabelsRequest, job: JobContext<JobProgress>): Promise<Transferred<LatentLabels>> {
  const { reader, stats, cfg } = await projectSae(request.projectId);
  const table = latentTable(reader, stats, cfg);
  const truth = request.attributes?.length === reader.N ? request.attributes : null;
  const source = labelSource(table, truth);
  const folder = await ProjectFolder.open(request.projectId);
  const stored = await folder.file(PROJECT_FILES.latentLabels);
  // A file that no longer reads (or was made from other statistics) is made again.
  const saved = stored && (await readLatentLabels(stored).catch(() => null));
  if (saved?.source === source) return transferred(saved.labels);
  job.emit(progress('labelling latents', 0, null));
  const ctx = await engineGpu();
  const { dynamics, sae } = await projectSae(request.projectId, ctx);
  const labels = await measureLatentLabels(ctx, reader, dynamics, sae, table, reader.meta.prompts, truth, {
    signal: job.signal,
    onProgress: (done, total) => job.emit(progress('labelling latents', done, total)),
  });
  await folder.writeWhole(PROJECT_FILES.latentLabels, serializeLatentLabels(labels, source));
  return transferred(labels);
}

function transferred(labels: LatentLabels): Transferred<LatentLabels> {
  return new Transferred(labels, [labels.topImage.buffer, labels.topMap.buffer]);
}
