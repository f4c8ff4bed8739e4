/** The trained SAE's latent table (statistics, profiles, neighbours) for the Latents page. */
import { latentTable, type LatentTable } from '../../sae/latent-table';
import { projectSae } from './project-sae';

export interface LatentTableRequest {
  projectId: string;
}

export async function latentTableJob(request: LatentTableRequest): Promise<LatentTable> {
  const { reader, stats, cfg } = await projectSae(request.projectId);
  return latentTable(reader, stats, cfg);
}
