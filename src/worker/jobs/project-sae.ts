/**
 * A project's trained SAE as the Latents and Steer jobs use it: trajectories,
 * dynamics, SAE and latent statistics read once from the project folder, the
 * SAE and dynamics uploaded once to the GPU, and all of it kept until the
 * project or one of its files changes (compared by modification time), when
 * the GPU copies are released.
 */
import { PROJECT_FILES, ProjectFolder } from '../../data/opfs-project';
import { TrajectoryReader } from '../../data/trajectory-file';
import { readDynamicsFile, type DynamicsModel } from '../../dynamics/dynamics-file';
import type { GpuContext } from '../../gpu/context';
import { readLatentStatistics, type LatentStatisticsFile } from '../../sae/latent-statistics-file';
import { keepSaeResident, retireSae } from '../../sae/resident-sae';
import type { SaeConfig } from '../../sae/sae-config';
import { readSaeFile, type SaeFileConfig } from '../../sae/sae-file';
import { fromSaeFile } from '../../sae/sae-interchange';
import type { SaeWeights } from '../../sae/sae-model';
import { JobError } from '../job-error';
import { LatestByKey } from '../latest-by-key';

export interface ProjectSae {
  reader: TrajectoryReader;
  dynamics: DynamicsModel;
  sae: { config: SaeConfig; weights: SaeWeights };
  cfg: SaeFileConfig;
  stats: LatentStatisticsFile;
}

/** Tokens per inference batch. */
const BATCH = 1024;

const cache = new LatestByKey<ProjectSae>((old) => retireSae(old.sae));

/** The project's SAE; with `gpu`, its SAE and dynamics are kept resident on that device for the passes that follow. */
export async function projectSae(projectId: string, gpu?: GpuContext): Promise<ProjectSae> {
  const folder = await ProjectFolder.open(projectId);
  const names = [PROJECT_FILES.trajectories, PROJECT_FILES.dynamics, PROJECT_FILES.sae, PROJECT_FILES.latentStats];
  const files = await Promise.all(names.map((n) => folder.file(n)));
  const missing = names.filter((_, i) => !files[i]);
  if (missing.length) throw new JobError('bad-input', `this project has no ${missing.join(', ')} yet: collect, fit and train an SAE first (an SAE imported without its statistics: train one here)`);
  const [trajectories, dynamics, sae, stats] = files as File[];
  const value = await cache.get(`${projectId} ${files.map((f) => f!.lastModified).join(' ')}`, async () => {
    const file = await readSaeFile(sae);
    return { reader: await TrajectoryReader.open(trajectories), dynamics: await readDynamicsFile(dynamics), sae: fromSaeFile(file, BATCH), cfg: file.cfg, stats: await readLatentStatistics(stats) };
  });
  if (gpu) keepSaeResident(gpu, value.dynamics, value.sae);
  return value;
}

/** Releases the cached project (its GPU copies included), e.g. when its files were replaced. */
export function forgetProjectSae(): void {
  cache.drop();
}

/** Releases the cached SAE (its GPU copies included) when it belongs to another project than `projectId`. */
export function releaseUnlessProject(projectId: string): void {
  cache.dropUnless((key) => key.startsWith(`${projectId} `));
}
