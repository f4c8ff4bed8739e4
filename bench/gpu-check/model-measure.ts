/**
 * The SD 1.5 stand-in on onnxruntime-web's WebGPU provider (or, at --small,
 * the toy on its wasm provider, whose load and first call take seconds where
 * the WebGPU provider's shader compilation on lavapipe takes minutes), loaded
 * as the CLI loads it: load time, the first call (shader compilation on
 * WebGPU), ms per guided UNet call, and the runtime's two ratios
 * (bench/runtime/measures.ts).
 */
import { commandModel } from '../../src/cli/model';
import { generate, type SamplerSettings } from '../../src/diffusion/denoise';
import type { ProviderName } from '../../src/diffusion/ort-runtime';
import { captureRatio, steerRerunRatio } from '../runtime/measures';

export const HOOK = 'up_blocks.1.attentions.1';

export interface ModelMeasureOptions {
  provider: ProviderName;
  /** UNet calls of each timed generation (≥ 5: the capture records 5 of them). */
  steps: number;
  runs: number;
  warmup: number;
}

export async function measureModel(folder: string, o: ModelMeasureOptions, report: (line: object) => void): Promise<{ msPerCall: number; captureRatio: number }> {
  const sampler: SamplerSettings = { scheduler: 'ddim', steps: o.steps, guidance: 7.5 };
  const prompts = ['a photograph of an astronaut riding a horse'];
  let started = performance.now();
  const plain = await commandModel('gpu:check', folder, null, o.provider);
  const loadMs = performance.now() - started;
  const hooked = await commandModel('gpu:check', folder, HOOK, o.provider);
  // The device our kernels (steering, recording) run on: ORT's own with the WebGPU provider.
  const { device } = hooked.gpu;
  try {
    started = performance.now();
    await generate(plain, { ...sampler, steps: 1, prompt: prompts[0], seed: 0 });
    const firstCallMs = performance.now() - started;
    report({ measure: 'model-load', model: plain.manifest.name, provider: o.provider, load_ms: loadMs, first_call_ms: firstCallMs });
    started = performance.now();
    await generate(plain, { ...sampler, prompt: prompts[0], seed: 1 });
    // Each guided call runs the UNet on the prompt and the empty prompt together (batch 2).
    const msPerCall = (performance.now() - started) / o.steps;
    report({ measure: 'unet-call', provider: o.provider, ms_per_guided_call: msPerCall, steps: o.steps, guidance: sampler.guidance });
    const options = { sampler, prompts, warmup: o.warmup, runs: o.runs };
    // Each ratio's two sides run in turns, run by run (bench/shared/measure.ts).
    const capture = await captureRatio(device, hooked, plain, options);
    report({ measure: 'capture', provider: o.provider, hook: HOOK, ...capture, goal: 1.05 });
    report({ measure: 'steer-rerun', provider: o.provider, ...(await steerRerunRatio(device, hooked, options)) });
    return { msPerCall, captureRatio: capture.ratio };
  } finally {
    await Promise.all([plain.release(), hooked.release()]);
  }
}
