/**
 * The paper's four SAEs (arXiv 2605.27813, compared at equal sparsity), all with the same latents and the same
 * active latents per trajectory. Their names are the one vocabulary for the
 * arms: the ablation flow, its page, the CLI and the study's files and
 * study.json all use them.
 */
export const ABLATION_ARMS = [
  { name: 'residualized-concat', residualized: true, perStep: false },
  { name: 'concat', residualized: false, perStep: false },
  { name: 'residualized-per-step', residualized: true, perStep: true },
  { name: 'per-step', residualized: false, perStep: true },
] as const;

export type AblationArmName = (typeof ABLATION_ARMS)[number]['name'];

/** The method the other arms are baselines for. */
export const METHOD_ARM: AblationArmName = 'residualized-concat';
