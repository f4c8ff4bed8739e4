/**
 * One text-to-image generation, read top to bottom: encode the prompt and
 * the negative prompt, start from seeded Gaussian latents, run the UNet loop
 * with classifier-free guidance (capturing the hooked block at the recorded
 * calls and adding the steering input inside its window), decode with the
 * VAE. A run can start from a checkpoint of an earlier run (its latent and
 * scheduler state before a call), so a steered re-run does not pay for the
 * calls before its window.
 */
import { TrajectoryCapture } from './capture';
import type { DiffusionModel } from './diffusion-model';
import { gaussianNoise } from './gaussian-noise';
import type { Feed } from './ort-runtime';
import { createScheduler, type SchedulerName, type SchedulerState } from './schedulers';
import { SteeringWriter, type SteeringPlan } from './steering';
import type { RgbaImage } from './rgba-image';
import { decodeLatents } from './vae-image';

export interface SamplerSettings {
  scheduler: SchedulerName;
  /** Denoising steps of the scheduler (PNDM makes a few more UNet calls than steps when it runs PRK). */
  steps: number;
  /** Classifier-free guidance scale; 1 runs the conditional branch alone. */
  guidance: number;
}

/** The state of a run just before UNet call `call`: enough to continue it. */
export interface RunCheckpoint {
  call: number;
  latent: Float32Array;
  scheduler: SchedulerState;
}

export interface GenerateOptions extends SamplerSettings {
  prompt: string;
  negativePrompt?: string;
  /** Unsigned 32-bit seed of the initial latents. */
  seed: number;
  /** UNet call indices at which to record the hooked block (conditional branch). */
  recordCalls?: readonly number[];
  steering?: SteeringPlan | null;
  /** Continue from this checkpoint of an unsteered run of the same prompt, seed and settings. */
  from?: RunCheckpoint;
  /** Keep a checkpoint before every call (for later steered re-runs). */
  keepCheckpoints?: boolean;
  /** After each UNet call: the call index, the number of calls, the latent after it. */
  /** After each UNet call; awaited, so a preview decoder's run never overlaps the UNet's (one run per session at a time on WebGPU). */
  onCall?: (call: number, calls: number, latent: Float32Array) => void | Promise<void>;
  signal?: AbortSignal;
}

export interface GenerateResult {
  image: RgbaImage;
  /** The final latent [C, h, w] (before the VAE's scale). */
  latent: Float32Array;
  /** Recorded activations, tokens [S, P, C] f32, when `recordCalls` was given. */
  trajectory: Float32Array | null;
  /** Scheduler timestep of every UNet call. */
  timesteps: readonly number[];
  /** Checkpoints before every call, with `keepCheckpoints`. */
  checkpoints: RunCheckpoint[];
  /** UNet calls this run made (fewer than all when it started from a checkpoint). */
  callsRun: number;
}

export class GenerationCancelled extends Error {
  override name = 'GenerationCancelled';
}

/** Uses of the UNet's batch: [unconditional, conditional] with guidance, [conditional] without. */
function branches(model: DiffusionModel, guidance: number): 1 | 2 {
  const batchDim = model.unet.input('sample').shape[0];
  if (guidance === 1 && batchDim !== 2) return 1;
  if (batchDim === 1) {
    throw new RangeError(`${model.manifest.name}: the UNet has a static batch of 1, which cannot hold the two classifier-free guidance branches; use guidance 1 or an export with batch 2 or a symbolic batch`);
  }
  return 2;
}

/** The timestep feed's dims from the session: scalar, [1] or [batch]. */
function timestepDims(model: DiffusionModel, batch: number): number[] {
  const shape = model.unet.input('timestep').shape;
  if (shape.length === 0) return [];
  return [typeof shape[0] === 'number' ? shape[0] : batch];
}

function repeat(values: Float32Array, times: number): Float32Array {
  const out = new Float32Array(values.length * times);
  for (let i = 0; i < times; i++) out.set(values, i * values.length);
  return out;
}

export async function generate(model: DiffusionModel, options: GenerateOptions): Promise<GenerateResult> {
  const { manifest, gpu } = model;
  const B = branches(model, options.guidance);
  const scheduler = createScheduler(options.scheduler, model.schedulerConfig, options.steps);
  const calls = scheduler.timesteps.length;
  const latentSize = manifest.imageSize / manifest.vaeScaleFactor;
  const latentShape = [manifest.latentChannels, latentSize, latentSize];
  const latentCount = latentShape[0] * latentShape[1] * latentShape[2];
  const hook = model.hook;
  const record = options.recordCalls ?? [];
  if ((record.length > 0 || options.steering) && !hook) throw new Error('recording or steering needs a hooked UNet: load the model with a hook');
  if (record.some((c, i) => !Number.isInteger(c) || c < 0 || c >= calls || (i > 0 && c <= record[i - 1]))) {
    throw new RangeError(`recorded calls [${record.join(', ')}] must be ascending indices below the run's ${calls} UNet calls`);
  }

  // 1. Prompt embeddings: [unconditional (negative prompt), conditional] for CFG.
  const cond = await model.encodeText(options.prompt);
  const context = B === 2 ? concat(await model.encodeText(options.negativePrompt ?? ''), cond) : cond;
  const hidden = cond.length / manifest.textEncoder.contextLength;

  // 2. Initial latents, or the checkpoint's.
  let latent: Float32Array;
  let first = 0;
  if (options.from) {
    if (options.from.latent.length !== latentCount) throw new RangeError(`checkpoint latent has ${options.from.latent.length} values; this model's latents have ${latentCount}`);
    latent = options.from.latent.slice();
    scheduler.restore(options.from.scheduler);
    first = options.from.call;
  } else {
    // Seeded N(0, 1) latents (Philox-4x32-10 + Box–Muller, gaussian-noise.ts): the same seed
    // gives the same latents in Chromium and in Node.
    latent = gaussianNoise(options.seed, latentCount);
    for (let i = 0; i < latent.length; i++) latent[i] *= scheduler.initNoiseSigma;
  }

  // 3. The UNet loop.
  const capture = hook && record.length > 0 ? new TrajectoryCapture(gpu, record.length, hook.height * hook.width, hook.channels) : null;
  const steerHalf = hook ? model.unet.input(hook.steerInput).type === 'float16' && model.provider === 'webgpu' : false;
  const steering = hook && options.steering ? new SteeringWriter(gpu, options.steering, B, hook.channels, hook.height * hook.width, steerHalf, calls) : null;
  const checkpoints: RunCheckpoint[] = [];
  const steerDims = hook ? [B, hook.channels, hook.height, hook.width] : [];
  try {
    for (let call = first; call < calls; call++) {
      if (options.signal?.aborted) throw new GenerationCancelled('generation cancelled');
      if (options.keepCheckpoints) checkpoints.push({ call, latent: latent.slice(), scheduler: scheduler.snapshot() });
      const t = scheduler.timesteps[call];
      const feeds: Record<string, Feed> = {
        sample: { data: repeat(scheduler.scaleModelInput(latent, call), B), dims: [B, ...latentShape] },
        timestep: { data: new Array(Math.max(1, timestepDims(model, B)[0] ?? 1)).fill(t), dims: timestepDims(model, B) },
        encoder_hidden_states: { data: context, dims: [B, manifest.textEncoder.contextLength, hidden] },
      };
      if (hook) feeds[hook.steerInput] = await steerFeed(model, steering, call, steerDims);
      const slot = record.indexOf(call);
      const outputs = await model.unet.run(feeds, hook && slot >= 0 ? ['out_sample', hook.rawOutput] : ['out_sample']);
      if (capture && slot >= 0) {
        const raw = outputs[hook!.rawOutput];
        // Packed halves only on the GPU: CPU outputs of fp16 graphs arrive already converted to f32.
        if (raw.gpuBuffer) capture.record(slot, B - 1, raw.gpuBuffer, raw.type === 'float16');
        else capture.record(slot, B - 1, raw.data!);
        raw.dispose();
      }
      const eps = outputs.out_sample.data!;
      outputs.out_sample.dispose();
      const noise = B === 2 ? guide(eps, latentCount, options.guidance) : eps;
      latent = scheduler.step(noise, call, latent);
      await options.onCall?.(call, calls, latent);
    }
    // 4. Decode.
    const trajectory = capture ? await capture.read() : null;
    const image = await decodeLatents(model, latent);
    return { image, latent, trajectory, timesteps: scheduler.timesteps, checkpoints, callsRun: calls - first };
  } finally {
    capture?.destroy();
    steering?.destroy();
  }
}

/** ε = ε_u + g·(ε_c − ε_u), the two branches laid out [uncond, cond]. */
function guide(eps: Float32Array, n: number, g: number): Float32Array {
  const out = new Float32Array(n);
  for (let i = 0; i < n; i++) out[i] = eps[i] + g * (eps[n + i] - eps[i]);
  return out;
}

function concat(a: Float32Array, b: Float32Array): Float32Array {
  const out = new Float32Array(a.length + b.length);
  out.set(a);
  out.set(b, a.length);
  return out;
}

/** The steering input for one call: the kernel's delta inside the window, zeros outside. */
async function steerFeed(model: DiffusionModel, steering: SteeringWriter | null, call: number, dims: number[]): Promise<Feed> {
  if (steering?.active(call)) {
    const delta = steering.write(call);
    return model.provider === 'webgpu' ? { gpuBuffer: delta, dims } : { data: await steering.read(), dims };
  }
  return model.zeroSteer(dims);
}
