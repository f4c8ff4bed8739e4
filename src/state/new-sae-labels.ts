import type { LabState } from './store';

/**
 * Starts making a newly trained or imported SAE's latent labels (the worker
 * stores them with its statistics), so they are there before the Latents
 * page is opened. The page still makes them the first time it lists an SAE
 * that has none (an older project); asked twice, they are made once.
 */
export function labelNewSae(s: LabState, projectId: string): void {
  const project = s.projects.find((p) => p.id === projectId);
  // Its latents are measured only with the project's trajectories and dynamics (an SAE imported without them has no statistics).
  if (project?.sae?.state !== 'done' || project.collect?.state !== 'done' || !project.dynamics) return;
  s.loadLatentLabels(projectId, project.sae.at, project.prompts?.attributes ?? null);
}
