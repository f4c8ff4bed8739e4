import type { GpuContext } from '../gpu/context';
import { gaussianArray, seededRandom } from '../gpu/random';
import { planLatentBlocks, type LatentBlocks } from './latent-blocks';
import type { SaeConfig } from './sae-config';
import type { SaeWeights as SaeFileWeights } from './sae-file';

/**
 * SAE weights in SAELens layout (the file's tensors, sae-file.ts), as the GPU
 * model takes and gives them: f = σ(z_c·W_enc + b_enc) with z_c = z − b_dec,
 * ẑ = f·W_dec + b_dec; W_dec rows have unit norm. `threshold` is BatchTopK's
 * one inference threshold θ (f = pre where pre ≥ θ), absent before training
 * set it; the file stores it per latent (sae-interchange.ts converts).
 */
export type SaeWeights = Omit<SaeFileWeights, 'cfg' | 'threshold'> & { threshold?: number };

export interface SaeModelOptions {
  /** Largest storage binding to plan for (default: the device's limit); tests pass a small one to exercise the block split. */
  maxBindingBytes?: number;
}

/**
 * The SAE's parameters on the GPU. Everything indexed by latent is split into
 * latent blocks (latent-blocks.ts) sized for training batches of
 * `config.batchSize` rows. The encoder is stored transposed (W_encᵀ, one
 * contiguous row of d_in per latent) so that the sparse backward pass reads
 * and writes whole latent rows, like the decoder.
 */
export class SaeModel {
  /** W_encᵀ blocks [count, dIn]: row j is W_enc[:, j]. */
  readonly encoder: GPUBuffer[];
  /** W_dec blocks [count, dIn]. */
  readonly decoder: GPUBuffer[];
  /** [m] */
  readonly bEnc: GPUBuffer;
  /** [dIn] */
  readonly bDec: GPUBuffer;
  /** [2] f32: the batchtopk inference threshold θ, and 1 once training has set it (0 before: θ = 0 keeps every positive value). */
  readonly threshold: GPUBuffer;

  private constructor(
    readonly ctx: GpuContext,
    readonly config: SaeConfig,
    readonly blocks: LatentBlocks,
  ) {
    const { dIn, latents } = config;
    this.encoder = blocks.blocks.map((b, i) => ctx.createBuffer(b.count * dIn * 4, `sae.W_encT.${i}`));
    this.decoder = blocks.blocks.map((b, i) => ctx.createBuffer(b.count * dIn * 4, `sae.W_dec.${i}`));
    this.bEnc = ctx.createBuffer(latents * 4, 'sae.b_enc');
    this.bDec = ctx.createBuffer(dIn * 4, 'sae.b_dec');
    this.threshold = ctx.createBuffer(8, 'sae.threshold');
  }

  /**
   * A fresh SAE: decoder rows drawn from N(0, I) with `config.seed` and
   * normalised to unit norm, the encoder initialised as the decoder's
   * transpose (OpenAI sparse_autoencoder, sparsify), b_enc = 0, b_dec = 0
   * (the trainer sets b_dec from data).
   */
  static create(ctx: GpuContext, config: SaeConfig, options: SaeModelOptions = {}): SaeModel {
    const model = new SaeModel(ctx, config, planBlocks(ctx, config, options));
    const { dIn } = config;
    const random = seededRandom(config.seed);
    model.blocks.blocks.forEach((b, i) => {
      const w = new Float32Array(b.count * dIn);
      // Row by row, so the random stream (and the weights) do not depend on the block split.
      for (let j = 0; j < b.count; j++) w.set(unitRow(gaussianArray(dIn, random)), j * dIn);
      ctx.write(model.decoder[i], w);
      ctx.write(model.encoder[i], w);
    });
    ctx.write(model.bEnc, new Float32Array(config.latents));
    ctx.write(model.bDec, new Float32Array(dIn));
    ctx.write(model.threshold, new Float32Array(2));
    return model;
  }

  /** An SAE holding `weights` (SAELens layout, e.g. read from a file). */
  static fromWeights(ctx: GpuContext, config: SaeConfig, weights: SaeWeights, options: SaeModelOptions = {}): SaeModel {
    const { dIn, latents } = config;
    const expect = (name: keyof SaeWeights, length: number, shape: string) => {
      const got = (weights[name] as Float32Array).length;
      if (got !== length) throw new RangeError(`SAE weights: ${name} has ${got} values, but ${shape} = ${length} are needed for dIn = ${dIn}, latents = ${latents}`);
    };
    expect('W_enc', dIn * latents, '[dIn, m]');
    expect('b_enc', latents, '[m]');
    expect('W_dec', latents * dIn, '[m, dIn]');
    expect('b_dec', dIn, '[dIn]');
    const model = new SaeModel(ctx, config, planBlocks(ctx, config, options));
    model.blocks.blocks.forEach((b, i) => {
      const encT = new Float32Array(b.count * dIn);
      for (let j = 0; j < b.count; j++) for (let d = 0; d < dIn; d++) encT[j * dIn + d] = weights.W_enc[d * latents + b.start + j];
      ctx.write(model.encoder[i], encT);
      ctx.write(model.decoder[i], weights.W_dec.subarray(b.start * dIn, (b.start + b.count) * dIn));
    });
    ctx.write(model.bEnc, weights.b_enc);
    ctx.write(model.bDec, weights.b_dec);
    ctx.write(model.threshold, new Float32Array(weights.threshold === undefined ? [0, 0] : [weights.threshold, 1]));
    return model;
  }

  /** The weights in SAELens layout (W_enc [dIn, m], W_dec [m, dIn]); `threshold` only for batchtopk once set. */
  async exportWeights(): Promise<SaeWeights> {
    const { ctx, config } = this;
    const { dIn, latents } = config;
    const W_enc = new Float32Array(dIn * latents);
    const W_dec = new Float32Array(latents * dIn);
    for (const [i, b] of this.blocks.blocks.entries()) {
      const encT = await ctx.readF32(this.encoder[i]);
      for (let j = 0; j < b.count; j++) for (let d = 0; d < dIn; d++) W_enc[d * latents + b.start + j] = encT[j * dIn + d];
      W_dec.set(await ctx.readF32(this.decoder[i], 0, b.count * dIn), b.start * dIn);
    }
    const [theta, set] = await ctx.readF32(this.threshold);
    const weights: SaeWeights = { W_enc, b_enc: await ctx.readF32(this.bEnc, 0, latents), W_dec, b_dec: await ctx.readF32(this.bDec, 0, dIn) };
    if (config.activation === 'batchtopk' && set === 1) weights.threshold = theta;
    return weights;
  }

  /** Every parameter buffer with its name, in a fixed order (Adam moments and checkpoints follow it). */
  parameters(): { name: string; buffer: GPUBuffer; length: number }[] {
    const { dIn, latents } = this.config;
    return [
      ...this.blocks.blocks.map((b, i) => ({ name: `W_encT.${i}`, buffer: this.encoder[i], length: b.count * dIn })),
      ...this.blocks.blocks.map((b, i) => ({ name: `W_dec.${i}`, buffer: this.decoder[i], length: b.count * dIn })),
      { name: 'b_enc', buffer: this.bEnc, length: latents },
      { name: 'b_dec', buffer: this.bDec, length: dIn },
    ];
  }

  destroy(): void {
    for (const b of [...this.encoder, ...this.decoder, this.bEnc, this.bDec, this.threshold]) b.destroy();
  }
}

function planBlocks(ctx: GpuContext, config: SaeConfig, options: SaeModelOptions): LatentBlocks {
  const limit = Math.min(options.maxBindingBytes ?? Infinity, ctx.device.limits.maxStorageBufferBindingSize);
  return planLatentBlocks(config.latents, Math.max(config.dIn, config.batchSize), limit);
}

function unitRow(v: Float32Array): Float32Array {
  let norm = 0;
  for (const x of v) norm += x * x;
  norm = Math.sqrt(norm);
  return v.map((x) => x / norm);
}
