/**
 * The page opened a project: what the worker keeps of another one (its SAE
 * and dynamics, and their copies on the GPU, hundreds of MB at Stable
 * Diffusion scale) is let go now rather than at the next job.
 */
import { releaseUnlessProject } from './project-sae';

export interface OpenProjectRequest {
  projectId: string;
}

export async function openProjectJob(request: OpenProjectRequest): Promise<null> {
  releaseUnlessProject(request.projectId);
  return null;
}
