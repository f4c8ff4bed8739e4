/**
 * A project's trained SAE as the Latents and Steer jobs use it: trajectories,
 * dynamics, SAE and latent statistics read once from the project folder and
 * kept until one of the files changes (compared by modification time).
 */
import { PROJECT_FILES, ProjectFolder } from '../../data/opfs-project';
import { TrajectoryReader } from '../../data/trajectory-file';
import { readDynamicsFile, type DynamicsModel } from '../../dynamics/dynamics-file';
import { readLatentStatistics, type LatentStatisticsFile } from '../../sae/latent-statistics-file';
import type { SaeConfig } from '../../sae/sae-config';
import { readSaeFile, type SaeFileConfig } from '../../sae/sae-file';
import { fromSaeFile } from '../../sae/sae-interchange';
import type { SaeWeights } from '../../sae/sae-model';

export interface ProjectSae {
  reader: TrajectoryReader;
  dynamics: DynamicsModel;
  sae: { config: SaeConfig; weights: SaeWeights };
  cfg: SaeFileConfig;
  stats: LatentStatisticsFile;
}

/** Tokens per inference batch. */
const BATCH = 1024;

let cached: { key: string; value: Promise<ProjectSae> } | null = null;

export async function projectSae(projectId: string): Promise<ProjectSae> {
  const folder = await ProjectFolder.open(projectId);
  const names = [PROJECT_FILES.trajectories, PROJECT_FILES.dynamics, PROJECT_FILES.sae, PROJECT_FILES.latentStats];
  const files = await Promise.all(names.map((n) => folder.file(n)));
  const missing = names.filter((_, i) => !files[i]);
  if (missing.length) throw new Error(`this project has no ${missing.join(', ')} yet: collect, fit and train an SAE first (an SAE imported without its statistics: train one here)`);
  const key = `${projectId} ${files.map((f) => f!.lastModified).join(' ')}`;
  if (cached?.key !== key) {
    const [trajectories, dynamics, sae, stats] = files as File[];
    const value = (async () => {
      const file = await readSaeFile(sae);
      return { reader: await TrajectoryReader.open(trajectories), dynamics: await readDynamicsFile(dynamics), sae: fromSaeFile(file, BATCH), cfg: file.cfg, stats: await readLatentStatistics(stats) };
    })();
    cached = { key, value };
    value.catch(() => (cached = null));
  }
  return cached.value;
}
