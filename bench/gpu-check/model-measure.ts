/**
 * The SD 1.5 stand-in (or, at --small, the toy) on onnxruntime-web's WebGPU
 * provider on Dawn, as the CLI loads it: load time, the first call (shader
 * compilation), ms per guided UNet call, and the runtime's two ratios
 * (bench/runtime/measures.ts).
 */
import { commandModel } from '../../src/cli/model';
import { generate, type SamplerSettings } from '../../src/diffusion/denoise';
import { ortGpuDevice } from '../../src/diffusion/ort-runtime';
import { captureRatio, steerRerunRatio } from '../runtime/measures';

export const HOOK = 'up_blocks.1.attentions.1';

export async function measureModel(folder: string, o: { steps: number; runs: number; warmup: number }, report: (line: object) => void): Promise<{ msPerCall: number; captureRatio: number }> {
  const sampler: SamplerSettings = { scheduler: 'ddim', steps: o.steps, guidance: 7.5 };
  const prompts = ['a photograph of an astronaut riding a horse'];
  let started = performance.now();
  const plain = await commandModel('gpu:check', folder, null, 'webgpu');
  const loadMs = performance.now() - started;
  const hooked = await commandModel('gpu:check', folder, HOOK, 'webgpu');
  const device = await ortGpuDevice();
  try {
    started = performance.now();
    await generate(plain, { ...sampler, steps: 1, prompt: prompts[0], seed: 0 });
    const firstCallMs = performance.now() - started;
    report({ measure: 'model-load', model: plain.manifest.name, load_ms: loadMs, first_call_ms: firstCallMs });
    started = performance.now();
    await generate(plain, { ...sampler, prompt: prompts[0], seed: 1 });
    // Each guided call runs the UNet on the prompt and the empty prompt together (batch 2).
    const msPerCall = (performance.now() - started) / o.steps;
    report({ measure: 'unet-call', ms_per_guided_call: msPerCall, steps: o.steps, guidance: sampler.guidance });
    const options = { sampler, prompts, warmup: o.warmup, runs: o.runs };
    const capture = await captureRatio(device, hooked, plain, options);
    report({ measure: 'capture', hook: HOOK, ...capture, goal: 1.05 });
    report({ measure: 'steer-rerun', ...(await steerRerunRatio(device, hooked, options)) });
    return { msPerCall, captureRatio: capture.ratio };
  } finally {
    await Promise.all([plain.release(), hooked.release()]);
  }
}
