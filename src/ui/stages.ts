import type { StageId } from '../state/stage-status';

/** The lab's workflow, in the method's order (record, fit the dynamics, train, explore, steer), then the device diagnostics. */
export interface Stage {
  id: StageId;
  title: string;
  /** What the stage does, in one line. */
  summary: string;
  built: boolean;
}

export const STAGES: readonly Stage[] = [
  { id: 'model', title: 'Model', summary: 'The toy model or Stable Diffusion 1.5, hooked at one UNet block.', built: true },
  { id: 'prompts', title: 'Prompts', summary: 'Drop a prompt file (.txt, .csv, .tsv, .json, .jsonl) or use an example set.', built: true },
  { id: 'collect', title: 'Collect', summary: 'Generate every prompt and record the block’s activations at S steps.', built: true },
  { id: 'dynamics', title: 'Dynamics', summary: 'Fit the linear step-to-step predictors; R² per transition.', built: true },
  { id: 'sae', title: 'SAE', summary: 'Train the residualized temporal SAE; loss, FVU, L0, dead latents.', built: true },
  { id: 'latents', title: 'Latents', summary: 'Every latent as a spatiotemporal map over its images.', built: true },
  { id: 'steer', title: 'Steer', summary: 'Add or ablate a latent during a new generation.', built: true },
  { id: 'device', title: 'Device', summary: 'The WebGPU adapter, its limits, and a matmul self-test.', built: true },
];

export function isStageId(id: string): id is StageId {
  return STAGES.some((s) => s.id === id && s.built);
}
