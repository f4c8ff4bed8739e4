import type { GpuContext } from '../gpu/context';
import type { DynamicsModel } from '../dynamics/dynamics-file';
import type { TrajectoryImages } from '../dynamics/fit-dynamics';
import { uploadDynamics } from '../dynamics/gpu-dynamics';
import { Residualizer } from '../dynamics/residualize';
import type { SaeConfig } from '../sae/sae-config';
import type { SaeWeights } from '../sae/sae-model';
import type { SaeTrainingMetrics } from '../sae/train/metrics';
import type { SaeCheckpoint } from '../sae/train/training-state';
import { SaeTrainer } from '../sae/train/trainer';
import { TokenBatches } from '../sae/token-batches';

export interface TrainSaeOptions {
  config: SaeConfig;
  /** Total training steps (a resumed run counts the steps already done). */
  steps: number;
  /** Save a checkpoint every this-many steps (rounded up to a multiple of config.metricsEvery, so only checked-healthy states are saved). 0: never. */
  checkpointEvery?: number;
  saveCheckpoint?: (checkpoint: SaeCheckpoint) => Promise<void>;
  /** Continue from a saved checkpoint. */
  resume?: SaeCheckpoint;
  /** Called with the metrics every config.metricsEvery steps. */
  onMetrics?: (metrics: SaeTrainingMetrics) => void;
  signal?: AbortSignal;
  /**
   * Ends training early, cleanly, after the current step: the result holds
   * the weights so far and a checkpoint to continue from (pause / stop in
   * the lab). `signal` instead abandons the run.
   */
  stop?: AbortSignal;
  /**
   * Per-step SAE (the paper's no-concat baseline): each step's d-vector of a
   * token is its own row, so config.dIn = d and config.batchSize counts
   * (token, step) rows — a multiple of S.
   */
  perStep?: boolean;
}

export interface TrainSaeResult {
  weights: SaeWeights;
  /** Every metrics window, in order. */
  history: SaeTrainingMetrics[];
  /** Set when `stop` ended the run before `steps`: the state to resume from. */
  checkpoint?: SaeCheckpoint;
}

/**
 * Trains the residualized temporal SAE (arXiv 2605.27813) on a trajectory set:
 * shuffled token batches → GPU → residualize with the fitted dynamics → one
 * SAE step, with metrics every `metricsEvery` steps and periodic checkpoints.
 * The data stay on the GPU from residualization to the SAE.
 */
export async function trainSae(ctx: GpuContext, source: TrajectoryImages, dynamics: DynamicsModel, options: TrainSaeOptions): Promise<TrainSaeResult> {
  const { config, steps, signal } = options;
  const { S, d } = source;
  if (dynamics.S !== S || dynamics.d !== d) {
    throw new Error(`The dynamics were fitted for S = ${dynamics.S}, d = ${dynamics.d}, but the trajectories have S = ${S}, d = ${d}`);
  }
  const layout = rowLayout(config, S, d, options.perStep ?? false);
  const every = options.checkpointEvery ? Math.ceil(options.checkpointEvery / config.metricsEvery) * config.metricsEvery : 0;

  // 1. The dynamics on the GPU, a residualizer and the batch buffers.
  const dyn = uploadDynamics(ctx, dynamics);
  const residualizer = new Residualizer(ctx, dyn, layout.tokens);
  const x = ctx.createBuffer(layout.tokens * S * d * 4, 'train.x');
  // [tokens, S, d] is also [tokens·S, d]: per-step rows need no copy.
  const z = ctx.createBuffer(layout.tokens * S * d * 4, 'train.z');
  const trainer = SaeTrainer.create(ctx, config);
  try {
    if (options.resume) trainer.resume(options.resume);
    // A resumed run draws a fresh (still seeded) data order from where it stopped.
    const batches = new TokenBatches(source, { batchSize: layout.tokens, seed: config.seed + trainer.stepCount });
    const history: SaeTrainingMetrics[] = [];

    // 2. Step: batch → z = residualize(x) → SAE step; read back only metrics windows.
    while (trainer.stepCount < steps && !options.stop?.aborted) {
      signal?.throwIfAborted();
      ctx.write(x, await batches.next());
      residualizer.residualize({ x, z, tokens: layout.tokens });
      const metrics = await trainer.step(z);
      if (!metrics) continue;
      history.push(metrics);
      options.onMetrics?.(metrics);
      if (every > 0 && trainer.stepCount % every === 0 && options.saveCheckpoint) await options.saveCheckpoint(await trainer.checkpoint());
    }
    if (trainer.stepCount % config.metricsEvery !== 0) {
      const metrics = await trainer.readMetrics();
      history.push(metrics);
      options.onMetrics?.(metrics);
    }
    const checkpoint = trainer.stepCount < steps ? await trainer.checkpoint() : undefined;
    return { weights: await trainer.exportWeights(), history, checkpoint };
  } finally {
    trainer.destroy();
    residualizer.destroy();
    dyn.destroy();
    x.destroy();
    z.destroy();
  }
}

/** Tokens per batch, and a check that the SAE's width matches the trajectories (S·d concatenated, or d per step). */
export function rowLayout(config: SaeConfig, S: number, d: number, perStep: boolean): { tokens: number; rowsPerToken: number } {
  const width = perStep ? d : S * d;
  if (config.dIn !== width) {
    throw new Error(`SAE dIn = ${config.dIn}, but ${perStep ? `a per-step SAE reads d = ${d}` : `trajectories give S·d = ${S}·${d} = ${S * d}`}`);
  }
  const rowsPerToken = perStep ? S : 1;
  if (config.batchSize % rowsPerToken !== 0) throw new Error(`A per-step SAE's batchSize counts (token, step) rows: ${config.batchSize} is not a multiple of S = ${S}`);
  return { tokens: config.batchSize / rowsPerToken, rowsPerToken };
}
