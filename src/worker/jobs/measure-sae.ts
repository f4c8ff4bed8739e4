/**
 * A project's SAE measured as the CLI's `eval` measures it — on every token,
 * from the saved file read back — with each latent's statistics, neighbours
 * and temporal profile written beside it for the Latents and Steer pages.
 */
import { PROJECT_FILES, type ProjectFolder } from '../../data/opfs-project';
import type { TrajectoryReader } from '../../data/trajectory-file';
import type { DynamicsModel } from '../../dynamics/dynamics-file';
import { evaluateSae } from '../../flows/evaluate-sae';
import { latentReport } from '../../analysis/latent-report';
import type { GpuContext } from '../../gpu/context';
import type { SaeEvaluation } from '../../sae/sae-evaluation';
import { serializeLatentStatistics } from '../../sae/latent-statistics-file';
import type { SaeWeights as SaeFileWeights } from '../../sae/sae-file';
import { fromSaeFile } from '../../sae/sae-interchange';

/** Tokens per evaluation batch (the CLI's `eval` default). */
const EVAL_BATCH = 1024;
/** Nearest latents by decoder cosine kept per latent (the CLI's `eval --stats` default). */
const NEIGHBOURS = 8;

export async function measureSae(ctx: GpuContext, folder: ProjectFolder, reader: TrajectoryReader, dynamics: DynamicsModel, file: SaeFileWeights, signal: AbortSignal): Promise<SaeEvaluation> {
  // A per-step SAE reads one step's d channels; its batches count (token, step) rows, as `eval` does.
  const perStep = file.cfg.d_in !== reader.S * reader.d;
  const sae = fromSaeFile(file, EVAL_BATCH * (perStep ? reader.S : 1));
  const { statistics, inverse: _inverse, ...evaluation } = await evaluateSae(ctx, reader, dynamics, sae, { signal, perStep });
  const stats = await latentReport(ctx, dynamics, sae, statistics, NEIGHBOURS);
  await folder.writeWhole(PROJECT_FILES.latentStats, serializeLatentStatistics(stats));
  return evaluation;
}
