/**
 * The project's activation norms n_s (mean ‖x_s‖ per recorded step over
 * every collected token: the yardstick of the `norm` steering unit),
 * measured once by one streamed pass over the trajectory file and kept in
 * the project folder as activation-norms.json beside it. The file names the
 * trajectory file it was measured on (size and modification time), so a new
 * collection is measured anew; a project made before the file existed
 * measures it on its first use.
 */
import { activationNorms, type ActivationNorms } from '../../analysis/activation-norms';
import { PROJECT_FILES, ProjectFolder } from '../../data/opfs-project';
import { TrajectoryReader } from '../../data/trajectory-file';
import { JobError } from '../job-error';
import { LatestByKey } from '../latest-by-key';
import { progress, type JobContext, type JobProgress } from './job-context';

export const ACTIVATION_NORMS_FILE = 'activation-norms.json';

interface StoredNorms extends ActivationNorms {
  /** The trajectory file measured: its size and modification time. */
  trajectories: { size: number; lastModified: number };
  hook: string;
  stepIndices: number[];
}

const cache = new LatestByKey<ActivationNorms>(() => {});

/** n_s of the project's collection: read from the folder, or measured (reporting images done of total) and stored. */
export async function projectActivationNorms(projectId: string, onProgress?: (done: number, total: number) => void, signal?: AbortSignal): Promise<ActivationNorms> {
  const folder = await ProjectFolder.open(projectId);
  const trajectories = await folder.file(PROJECT_FILES.trajectories);
  if (!trajectories) throw new JobError('bad-input', 'this project has no trajectories yet: collect first');
  const measured = { size: trajectories.size, lastModified: trajectories.lastModified };
  return cache.get(`${projectId} ${measured.size} ${measured.lastModified}`, async () => {
    const stored = await readStored(folder);
    if (stored && stored.trajectories.size === measured.size && stored.trajectories.lastModified === measured.lastModified) return stored;
    const reader = await TrajectoryReader.open(trajectories);
    const norms = await activationNorms(reader, { signal, onProgress });
    const file: StoredNorms = { ...norms, trajectories: measured, hook: reader.meta.hook, stepIndices: reader.meta.stepIndices };
    await folder.writeWhole(ACTIVATION_NORMS_FILE, new TextEncoder().encode(JSON.stringify(file)));
    return norms;
  });
}

/** The stored norms, or null when absent or not readable as such (then they are measured again). */
async function readStored(folder: ProjectFolder): Promise<StoredNorms | null> {
  const file = await folder.file(ACTIVATION_NORMS_FILE);
  if (!file) return null;
  try {
    const json = JSON.parse(await file.text()) as StoredNorms;
    return Array.isArray(json.meanNorm) && json.meanNorm.every((v) => typeof v === 'number' && v > 0) && json.trajectories ? json : null;
  } catch {
    return null;
  }
}

/** The norms for a job about to use the norm unit: measured on first use, the job saying so as it goes. */
export async function measureNorms(projectId: string, job: JobContext<JobProgress>): Promise<void> {
  const stage = 'measuring the hook’s mean activation norm (once per collection)';
  await projectActivationNorms(projectId, (done, total) => job.emit(progress(stage, done, total)), job.signal);
}
