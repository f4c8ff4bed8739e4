/**
 * The runtime's two promises as measures over loaded models, shared by
 * `npm run bench:runtime` (the toy on wasm) and `npm run gpu:check` (the SD
 * 1.5 stand-in on ORT's WebGPU provider); each interleaves the runs it compares.
 */
import { generate, type GenerateResult, type SamplerSettings } from '../../src/diffusion/denoise';
import type { DiffusionModel } from '../../src/diffusion/diffusion-model';
import { evenlySpreadCalls } from '../../src/flows/collect-trajectories';
import { wallTimes, type TimedRun } from '../shared/measure';

/** Recorded steps S of a capture, as the paper records them. */
const RECORDED_STEPS = 5;

export interface RuntimeMeasureOptions {
  sampler: SamplerSettings;
  prompts: readonly string[];
  warmup: number;
  runs: number;
}

// One run = every prompt once, so both sides see the same prompts.
function each(prompts: readonly string[], fn: (prompt: string, seed: number) => Promise<unknown>): TimedRun {
  return {
    run: async () => {
      for (const [i, prompt] of prompts.entries()) await fn(prompt, i);
    },
  };
}

/** Generation hooked and recording S = 5 steps against the plain UNet (goal ≤ 1.05). */
export async function captureRatio(device: GPUDevice, hooked: DiffusionModel, plain: DiffusionModel, o: RuntimeMeasureOptions) {
  const record = evenlySpreadCalls(o.sampler.steps, RECORDED_STEPS);
  const [capture, plainRun] = await wallTimes(device, [
    each(o.prompts, (prompt, seed) => generate(hooked, { ...o.sampler, prompt, seed, recordCalls: record })),
    each(o.prompts, (prompt, seed) => generate(plain, { ...o.sampler, prompt, seed })),
  ], o);
  return { ours_ms: capture.medianMs, plain_ms: plainRun.medianMs, ratio: capture.medianMs / plainRun.medianMs };
}

/**
 * A steered re-run of the last 40% of the calls from the unsteered run's
 * checkpoint against a full steered regeneration; expected: the share of
 * calls re-run.
 */
export async function steerRerunRatio(device: GPUDevice, hooked: DiffusionModel, o: RuntimeMeasureOptions) {
  const { steps } = o.sampler;
  const start = Math.round(steps * 0.6);
  const record = evenlySpreadCalls(steps, RECORDED_STEPS);
  const { channels: C, height: H, width: W } = hooked.hook!;
  const steering = {
    latents: [{ latent: 0, trajectory: Float32Array.from({ length: RECORDED_STEPS * C }, (_, i) => Math.cos(i)), alpha: 2, scale: 1 }],
    recordedCalls: record,
    window: [start, steps] as const,
    mask: new Float32Array(H * W).fill(1),
    conditionalOnly: false,
  };
  const baselines: GenerateResult[] = [];
  for (const [seed, prompt] of o.prompts.entries()) baselines.push(await generate(hooked, { ...o.sampler, prompt, seed, keepCheckpoints: true }));
  const [rerun, full] = await wallTimes(device, [
    each(o.prompts, (prompt, seed) => generate(hooked, { ...o.sampler, prompt, seed, steering, from: baselines[seed].checkpoints[start] })),
    each(o.prompts, (prompt, seed) => generate(hooked, { ...o.sampler, prompt, seed, steering })),
  ], o);
  return { ours_ms: rerun.medianMs, full_ms: full.medianMs, ratio: rerun.medianMs / full.medianMs, expected: (steps - start) / steps };
}
