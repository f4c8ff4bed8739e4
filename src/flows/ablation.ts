import type { GpuContext } from '../gpu/context';
import type { DynamicsModel } from '../dynamics/dynamics-file';
import { fitDynamics, heldoutImages, type TrajectoryImages } from '../dynamics/fit-dynamics';
import type { LatentStatisticsResult } from '../sae/latent-statistics';
import { resolveSaeConfig, type SaeConfig } from '../sae/sae-config';
import type { SaeWeights } from '../sae/sae-model';
import { ABLATION_ARMS, type AblationArmName } from '../sae/ablation-arms';
import { evaluateSae, type EvaluationReport } from './evaluate-sae';
import { trainSae } from './train-sae';

export interface AblationOptions {
  /** SAE settings shared by every arm; dIn, k and batchSize are set per arm. */
  sae: Partial<SaeConfig> & Pick<SaeConfig, 'latents' | 'k' | 'batchSize'>;
  steps: number;
  /** Dynamics of the residualized arms (default full with λ chosen on held-out images). */
  variant?: 'full' | 'diagonal' | 'identity';
  /** Share of images held out: the SAEs train on the rest and are measured on these. Default 0.2. */
  heldoutFraction?: number;
  onArm?: (arm: AblationArmName, phase: 'fit' | 'train' | 'eval') => void;
  /** Each arm's SAE once measured, to keep it (the rows carry only numbers). */
  onTrained?: (arm: AblationArmName, trained: TrainedArm) => void | Promise<void>;
  signal?: AbortSignal;
}

export interface TrainedArm {
  config: SaeConfig;
  weights: SaeWeights;
  /** The dynamics it was trained with (variant none for the plain arms). */
  dynamics: DynamicsModel;
  perStep: boolean;
  /** Per-latent statistics on the held-out images. */
  statistics: LatentStatisticsResult;
}

export interface AblationRow extends Omit<EvaluationReport, 'statistics'> {
  arm: AblationArmName;
  /** k of each SAE row: k for concat arms, round(k / S) per step for per-step arms (so L0 per trajectory matches). */
  kPerRow: number;
}

/**
 * The paper's ablation in one call: residualized concat (the method),
 * non-residualized concat, residualized per-step and per-step SAEs at equal
 * latents and equal L0 per trajectory, trained on the same images and
 * measured on the same held-out images. FVU_x is comparable across arms;
 * FVU_z is each arm's own input space.
 */
export async function runAblation(ctx: GpuContext, source: TrajectoryImages, options: AblationOptions): Promise<AblationRow[]> {
  const { S, d, N } = source;
  const heldout = heldoutImages(N, options.heldoutFraction ?? 0.2);
  const trainImages = heldout.flatMap((h, n) => (h ? [] : [n]));
  const testImages = heldout.flatMap((h, n) => (h ? [n] : []));
  if (testImages.length === 0 || trainImages.length === 0) throw new Error(`The ablation needs images to train on and to hold out; ${N} image(s) give ${trainImages.length} and ${testImages.length}`);

  // Both dynamics come from the training images only (fitDynamics holds out its own share of them for λ).
  const trainOnly = subset(source, trainImages);
  const fitted: Record<'residualized' | 'plain', DynamicsModel | undefined> = { residualized: undefined, plain: undefined };
  const rows: AblationRow[] = [];
  for (const arm of ABLATION_ARMS) {
    options.signal?.throwIfAborted();
    const key = arm.residualized ? 'residualized' : 'plain';
    options.onArm?.(arm.name, 'fit');
    fitted[key] ??= await fitDynamics(ctx, trainOnly, { variant: arm.residualized ? (options.variant ?? 'full') : 'none', signal: options.signal });
    const dynamics = fitted[key]!;
    const kPerRow = arm.perStep ? Math.max(1, Math.round(options.sae.k / S)) : options.sae.k;
    const rowsPerToken = arm.perStep ? S : 1;
    const config = resolveSaeConfig({
      ...options.sae,
      dIn: arm.perStep ? d : S * d,
      k: kPerRow,
      batchSize: Math.max(1, Math.round(options.sae.batchSize / rowsPerToken)) * rowsPerToken,
    });
    options.onArm?.(arm.name, 'train');
    const { weights } = await trainSae(ctx, trainOnly, dynamics, { config, steps: options.steps, perStep: arm.perStep, signal: options.signal });
    options.onArm?.(arm.name, 'eval');
    const { statistics, ...report } = await evaluateSae(ctx, source, dynamics, { config, weights }, { images: testImages, perStep: arm.perStep, signal: options.signal });
    await options.onTrained?.(arm.name, { config, weights, dynamics, perStep: arm.perStep, statistics });
    rows.push({ arm: arm.name, kPerRow, ...report });
  }
  return rows;
}

/** The same trajectories restricted to some images (renumbered 0..n−1). */
function subset(source: TrajectoryImages, images: number[]): TrajectoryImages {
  return {
    N: images.length,
    S: source.S,
    P: source.P,
    d: source.d,
    readImages: async (n0, n1) => {
      const parts = await Promise.all(images.slice(n0, n1).map((n) => source.readImages(n, n + 1)));
      const out = new Float32Array(parts.reduce((sum, p) => sum + p.length, 0));
      let offset = 0;
      for (const part of parts) {
        out.set(part, offset);
        offset += part.length;
      }
      return out;
    },
  };
}
