/**
 * An SAE measured on a trajectory set, as the CLI's `eval --json` reports
 * it and a project records it. FVU = Σ‖x − x̂‖² / Σ‖x − x̄‖² over all
 * tokens (never a mean of per-batch ratios), in z-space (the SAE's input)
 * and in x-space (activations, through the inverse of the residualization).
 */
export interface SaeEvaluation {
  tokens: number;
  fvuZ: number;
  fvuX: number;
  fvuZPerStep: number[];
  fvuXPerStep: number[];
  /** Mean active latents per token (per trajectory: a per-step SAE's S rows count together). */
  l0: number;
  /** % of latents that never fire on the evaluated tokens. */
  deadPercent: number;
  /** % of latents that fire on more than the config's dense fraction of them. */
  densePercent: number;
}
