/**
 * SAE training at one case on our trainer: tokens per second, the step's
 * time against its encoder product alone (bench/sae's contestants), and the
 * peak bytes of GPU buffers the trainer holds.
 */
import type { GpuContext } from '../../src/gpu/context';
import { trackBufferBytes } from '../../src/gpu/buffer-bytes';
import { gaussianArray, seededRandom } from '../../src/gpu/random';
import { SaeTrainer } from '../../src/sae/train/trainer';
import type { SaeCase } from '../sae/cases';
import { benchSaeConfig, ourEncoder, ourStep } from '../sae/ours';
import { wallTimes, type TimingOptions } from '../shared/measure';

export async function measureSaeTraining(ctx: GpuContext, c: SaeCase, timing: TimingOptions) {
  const bytes = trackBufferBytes(ctx.device);
  const batch = ctx.upload(gaussianArray(c.batch * c.dIn, seededRandom(7)), 'gpu-check.batch');
  const trainer = SaeTrainer.create(ctx, benchSaeConfig(c, 'topk'));
  const encoder = ourEncoder(ctx, trainer, batch);
  try {
    const [step, encode] = await wallTimes(ctx.device, [ourStep(ctx, trainer, batch), encoder], timing);
    return {
      step_ms: step.medianMs,
      encoder_ms: encode.medianMs,
      step_over_encoder: step.medianMs / encode.medianMs,
      tokens_per_s: c.batch / (step.medianMs / 1000),
      peak_gpu_bytes: bytes.peak,
    };
  } finally {
    bytes.stop();
    encoder.dispose();
    trainer.destroy();
    batch.destroy();
  }
}
