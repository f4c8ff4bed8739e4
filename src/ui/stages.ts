/** The lab's workflow, in order (DESIGN §1). Only `built` stages can be opened. */
export interface Stage {
  id: string;
  title: string;
  /** What the stage does, in one line. */
  summary: string;
  built: boolean;
}

export const STAGES: readonly Stage[] = [
  { id: 'device', title: 'Device', summary: 'The WebGPU adapter, its limits, and a matmul self-test against the CPU.', built: true },
  { id: 'model', title: 'Model', summary: 'Load the embedded toy model or Stable Diffusion 1.5, hooked at one UNet block; generate an image.', built: true },
  { id: 'data', title: 'Data', summary: 'Drop a prompt set; record UNet activation trajectories over denoising steps.', built: false },
  { id: 'dynamics', title: 'Dynamics', summary: 'Fit the linear step-to-step predictors by ridge regression; residualize; report R² per transition.', built: false },
  { id: 'sae', title: 'SAE', summary: 'Train a BatchTopK sparse autoencoder on the residualized trajectories; FVU, L0, dead latents.', built: false },
  { id: 'explore', title: 'Explore', summary: 'Browse each latent as spatial maps, temporal profiles and spatiotemporal heatmaps.', built: false },
  { id: 'steer', title: 'Steer', summary: 'Add or ablate a latent’s trajectory during a new generation and watch the image change.', built: false },
];
