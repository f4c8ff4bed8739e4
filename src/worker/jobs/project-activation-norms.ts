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
}

const cache = new LatestByKey<ActivationNorms>(() => {});
/** Who hears the measurement's progress: every job waiting on it, not only the one that started it. */
const listeners = new Set<(done: number, total: number) => void>();

/**
 * n_s of the project's collection: read from the folder, or measured (reporting images done of total) and stored.
 * The measurement is shared by every job that waits on it and runs to its end: `signal` ends only this
 * caller's wait (a slider move cancels a steer, not the pass the next steer needs).
 */
export async function projectActivationNorms(projectId: string, onProgress?: (done: number, total: number) => void, signal?: AbortSignal): Promise<ActivationNorms> {
  const folder = await ProjectFolder.open(projectId);
  const trajectories = await folder.file(PROJECT_FILES.trajectories);
  if (!trajectories) throw new JobError('bad-input', 'this project has no trajectories yet: collect first');
  const measured = { size: trajectories.size, lastModified: trajectories.lastModified };
  const norms = cache.get(`${projectId} ${measured.size} ${measured.lastModified}`, async () => {
    const stored = await readStored(folder);
    if (stored && stored.trajectories.size === measured.size && stored.trajectories.lastModified === measured.lastModified) return stored;
    const reader = await TrajectoryReader.open(trajectories);
    const norms = await activationNorms(reader, { onProgress: (done, total) => listeners.forEach((hear) => hear(done, total)) });
    const file: StoredNorms = { ...norms, trajectories: measured };
    await folder.writeWhole(ACTIVATION_NORMS_FILE, new TextEncoder().encode(JSON.stringify(file)));
    return norms;
  });
  if (onProgress) listeners.add(onProgress);
  try {
    return await untilAborted(norms, signal);
  } finally {
    if (onProgress) listeners.delete(onProgress);
  }
}

/** `promise`, or a rejection with the signal's reason as soon as it aborts. */
function untilAborted<T>(promise: Promise<T>, signal?: AbortSignal): Promise<T> {
  if (!signal) return promise;
  signal.throwIfAborted();
  return new Promise<T>((resolve, reject) => {
    const abort = () => reject(signal.reason);
    signal.addEventListener('abort', abort, { once: true });
    promise.then(resolve, reject).finally(() => signal.removeEventListener('abort', abort));
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
