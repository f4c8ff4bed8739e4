import type { GpuContext } from '../../src/gpu/context';
import { encoderPreActivations } from '../../src/sae/forward';
import { resolveSaeConfig, type SaeActivation, type SaeConfig } from '../../src/sae/sae-config';
import { SaeTrainer } from '../../src/sae/train/trainer';
import type { TimedRun } from '../shared/measure';
import type { SaeCase } from './cases';

/**
 * Our trainer's config for a bench case, set to do what the TF.js peer does
 * (tfjs-sae.ts): no AuxK (auxKWeight 0 turns it off), b_dec from the first
 * batch's mean, no learning-rate warm-up. Metrics are read back every
 * `metricsEvery` steps in training; the bench never reaches one, so no
 * timed step includes a readback.
 */
export function benchSaeConfig(c: SaeCase, activation: SaeActivation): SaeConfig {
  return resolveSaeConfig({
    dIn: c.dIn,
    latents: c.latents,
    k: c.k,
    batchSize: c.batch,
    activation,
    auxKWeight: 0,
    bDecInit: 'mean',
    warmupSteps: 0,
    metricsEvery: 1000,
  });
}

/** One SaeTrainer.step on `batch` per run. */
export function ourStep(ctx: GpuContext, trainer: SaeTrainer, batch: GPUBuffer): TimedRun {
  return {
    async run() {
      await trainer.step(batch);
      // sync = wait for the queue and throw any GPU error the step caused.
      await ctx.sync();
    },
  };
}

/**
 * Our encoder forward alone, as the trainer runs it (encoderPreActivations:
 * the matmul 'nt' (z − b_dec) · W_encᵀᵀ and the bias, per latent block), on
 * `trainer`'s weights with its own output buffers.
 */
export function ourEncoder(ctx: GpuContext, trainer: SaeTrainer, z: GPUBuffer): TimedRun & { dispose(): void } {
  const rows = trainer.config.batchSize;
  const pre = trainer.model.blocks.blocks.map((b, i) => ctx.createBuffer(rows * b.count * 4, `bench.sae.pre.${i}`));
  return {
    async run() {
      encoderPreActivations(ctx, trainer.model, z, pre, rows);
      await ctx.sync();
    },
    dispose: () => pre.forEach((b) => b.destroy()),
  };
}

/** Dispatches one `trainer.step` records (GpuContext.dispatch watched while it records; the step runs as usual). */
export async function stepDispatches(ctx: GpuContext, trainer: SaeTrainer, batch: GPUBuffer): Promise<number> {
  let count = 0;
  const dispatch = ctx.dispatch;
  ctx.dispatch = (d) => {
    count++;
    dispatch.call(ctx, d);
  };
  try {
    await trainer.step(batch);
    await ctx.sync();
  } finally {
    ctx.dispatch = dispatch;
  }
  return count;
}
