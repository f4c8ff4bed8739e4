/**
 * The trainer's full state as named arrays, and back: enough to continue
 * training exactly, in whole tensors (blocks joined in latent order), so a
 * checkpoint taken on one device resumes on another with a different block
 * split.
 */
import type { GpuContext } from '../../gpu/context';
import type { SaeConfig } from '../sae-config';
import { TRAIN_STATE, type LossBuffers } from './loss';

/** Everything needed to continue training exactly: full tensors (independent of the device's block split) and counters. */
export type SaeCheckpoint = Record<string, Float32Array | Uint32Array>;

/** A named [m, dIn] or vector parameter (one latent block of it) with its gradient and Adam moments. */
export interface ParameterSlot {
  name: string;
  param: GPUBuffer;
  grad: GPUBuffer;
  moment1: GPUBuffer;
  moment2: GPUBuffer;
  length: number;
}

/** The GPU buffers a checkpoint holds. */
export interface TrainingBuffers {
  slots: readonly ParameterSlot[];
  threshold: GPUBuffer;
  idle: GPUBuffer;
  fires: GPUBuffer;
  loss: LossBuffers;
}

export interface TrainingCounters {
  stepCount: number;
  tokens: number;
  windowTokens: number;
  windowStart: number;
}

/**
 * W_encT and W_dec as [m, dIn], b_enc, b_dec, Adam moments (`adam.m.<name>`,
 * `adam.v.<name>`), the threshold, idle and fire counters, the loss-health
 * state, the metrics window and the step counters.
 */
export async function readTrainingState(ctx: GpuContext, b: TrainingBuffers, counters: TrainingCounters): Promise<SaeCheckpoint> {
  const out: SaeCheckpoint = {};
  for (const [name, buffers] of tensorGroups(b.slots)) out[name] = await readJoined(ctx, buffers);
  out.threshold = await ctx.readF32(b.threshold);
  out.idle = await ctx.readU32(b.idle);
  out.fires = await ctx.readU32(b.fires);
  out.train_state = await ctx.readU32(b.loss.trainState);
  out.window = await ctx.readF32(b.loss.window);
  out.losses = await ctx.readF32(b.loss.losses);
  // Tokens pass 2³² after ~10⁶ steps of 4096: stored as two words.
  const tokensHigh = Math.floor(counters.tokens / 2 ** 32);
  out.counters = new Uint32Array([counters.stepCount, tokensHigh, counters.tokens - tokensHigh * 2 ** 32, counters.windowTokens, counters.windowStart]);
  return out;
}

/** Writes a checkpoint's arrays into the buffers, each checked for its kind and length; returns its counters. */
export function writeTrainingState(ctx: GpuContext, b: TrainingBuffers, checkpoint: SaeCheckpoint, config: Pick<SaeConfig, 'dIn' | 'latents' | 'metricsEvery'>): TrainingCounters {
  // Queue writes run before work still being recorded: submit that first.
  ctx.submit();
  const take = <T extends Float32Array | Uint32Array>(name: string, length: number, kind: 'f32' | 'u32'): T => {
    const a = checkpoint[name];
    const ok = kind === 'f32' ? a instanceof Float32Array : a instanceof Uint32Array;
    if (!a || !ok || a.length !== length) {
      throw new RangeError(`SAE checkpoint: "${name}" should be ${kind} with ${length} values, but it is ${a ? `${a.constructor.name}(${a.length})` : 'missing'}`);
    }
    return a as T;
  };
  const { dIn, latents, metricsEvery } = config;
  for (const [name, buffers] of tensorGroups(b.slots)) {
    const total = buffers.reduce((s, p) => s + p.length, 0);
    const data = take<Float32Array>(name, total, 'f32');
    let offset = 0;
    for (const p of buffers) {
      ctx.write(p.buffer, data.subarray(offset, offset + p.length));
      offset += p.length;
    }
  }
  ctx.write(b.threshold, take('threshold', 2, 'f32'));
  ctx.write(b.idle, take('idle', latents, 'u32'));
  ctx.write(b.fires, take('fires', latents, 'u32'));
  ctx.write(b.loss.trainState, take('train_state', TRAIN_STATE.words, 'u32'));
  ctx.write(b.loss.window, take('window', 3 * dIn, 'f32'));
  ctx.write(b.loss.losses, take('losses', 4 * metricsEvery, 'f32'));
  const [stepCount, tokensHigh, tokensLow, windowTokens, windowStart] = take<Uint32Array>('counters', 5, 'u32');
  return { stepCount, tokens: tokensHigh * 2 ** 32 + tokensLow, windowTokens, windowStart };
}

/** Buffers joined into one f32 array, in order. */
export async function readJoined(ctx: GpuContext, parts: { buffer: GPUBuffer; length: number }[]): Promise<Float32Array> {
  const out = new Float32Array(parts.reduce((s, p) => s + p.length, 0));
  let offset = 0;
  for (const p of parts) {
    out.set(await ctx.readF32(p.buffer, 0, p.length), offset);
    offset += p.length;
  }
  return out;
}

/** Parameters and Adam moments grouped into whole tensors (blocks joined in latent order). */
function tensorGroups(slots: readonly ParameterSlot[]): [string, { buffer: GPUBuffer; length: number }[]][] {
  const groups = new Map<string, { buffer: GPUBuffer; length: number }[]>();
  for (const s of slots) {
    const base = s.name.replace(/\.\d+$/, '');
    for (const [name, buffer] of [
      [base, s.param],
      [`adam.m.${base}`, s.moment1],
      [`adam.v.${base}`, s.moment2],
    ] as const) {
      if (!groups.has(name)) groups.set(name, []);
      groups.get(name)!.push({ buffer, length: s.length });
    }
  }
  return [...groups];
}
