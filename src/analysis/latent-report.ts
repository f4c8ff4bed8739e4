import type { GpuContext } from '../gpu/context';
import type { DynamicsModel } from '../dynamics/dynamics-file';
import { uploadDynamics } from '../dynamics/gpu-dynamics';
import { decoderNeighbours, temporalProfiles } from '../sae/decoder-statistics';
import type { LatentStatisticsResult } from '../sae/latent-statistics';
import type { LatentStatisticsFile } from '../sae/latent-statistics-file';
import type { SaeConfig } from '../sae/sae-config';
import { SaeModel, type SaeWeights } from '../sae/sae-model';
import { saeFeatureTrajectories } from './sae-feature-trajectories';

/**
 * Everything the Explore view shows per latent: the token
 * statistics measured by evaluateSae, plus what the decoder alone gives —
 * nearest latents by decoder cosine and the temporal profile ‖v_k[s]‖.
 */
export async function latentReport(
  ctx: GpuContext,
  dynamics: DynamicsModel,
  sae: { config: SaeConfig; weights: SaeWeights },
  statistics: LatentStatisticsResult,
  neighbours: number,
): Promise<LatentStatisticsFile> {
  const model = SaeModel.fromWeights(ctx, sae.config, sae.weights);
  const dyn = uploadDynamics(ctx, dynamics);
  try {
    return {
      statistics,
      neighbours: await decoderNeighbours(ctx, model, Math.min(neighbours, sae.config.latents - 1)),
      // A per-step SAE (dIn = d) has no trajectory in its decoder rows: its profile is the scale of each step.
      temporalProfile: sae.config.dIn === dynamics.S * dynamics.d ? await temporalProfiles(ctx, dyn, model) : (await saeFeatureTrajectories(ctx, dynamics, sae.weights.W_dec, sae.config.latents)).profile,
      steps: dynamics.S,
    };
  } finally {
    dyn.destroy();
    model.destroy();
  }
}
