import type { GpuContext } from '../gpu/context';
import { encoderPreActivations, requireFloats, sparseDecode } from './forward';
import type { SaeModel } from './sae-model';
import { ActiveSelector, type ActiveSet, type Selection } from './topk';

/** An encoding held more active entries than the encoder's capacity. */
export class SaeCapacityError extends Error {
  override name = 'SaeCapacityError';
}

/**
 * The SAE's inference path for other code (x-space metrics, feature
 * statistics, evaluation): encode a batch of z into its active latents, or
 * reconstruct it. σ at inference: TopK per token (topk); every pre-activation
 * ≥ the trained threshold θ (batchtopk, as in the BatchTopK paper; θ = 0
 * before training has set it); every positive one (relu).
 */
export class SaeEncoder {
  private readonly pre: GPUBuffer[];
  private readonly recon: GPUBuffer;
  private readonly selector: ActiveSelector;
  private readonly selection: Selection;

  /**
   * rows: tokens per call (≤ the model's batchSize, which its latent blocks are sized for).
   * capacity: active entries one call may hold; default rows · min(m, 4k) (rows · m for relu).
   */
  constructor(
    private readonly ctx: GpuContext,
    private readonly model: SaeModel,
    readonly rows: number,
    capacity?: number,
  ) {
    const { dIn, latents, k, activation, batchSize } = model.config;
    if (!Number.isInteger(rows) || rows < 1 || rows > batchSize) throw new RangeError(`SaeEncoder rows = ${rows}, but it must be an integer in [1, batchSize = ${batchSize}]`);
    const cap = capacity ?? rows * (activation === 'relu' ? latents : Math.min(latents, 4 * k));
    this.pre = model.blocks.blocks.map((b, i) => ctx.createBuffer(rows * b.count * 4, `sae.encode.pre.${i}`));
    this.recon = ctx.createBuffer(rows * dIn * 4, 'sae.encode.recon');
    this.selector = new ActiveSelector(ctx, rows, model.blocks, cap, 'sae.encode.active');
    this.selection =
      activation === 'topk'
        ? { kind: 'topk', k }
        : { kind: 'threshold', threshold: activation === 'batchtopk' ? model.threshold : ctx.createBuffer(4, 'sae.encode.zero') };
  }

  /**
   * The active latents of `batch` ([rows, dIn] f32). The returned set is this
   * encoder's own buffers, overwritten by the next call. Throws
   * SaeCapacityError when the batch has more active entries than the capacity.
   */
  async encode(batch: GPUBuffer): Promise<ActiveSet> {
    const { ctx, model, rows } = this;
    const { dIn } = model.config;
    requireFloats('SaeEncoder batch', batch, rows * dIn);
    encoderPreActivations(ctx, model, batch, this.pre, rows);
    this.selector.select(this.pre, this.selection);
    const out = this.selector.out;
    const [count] = await ctx.readU32(out.rowStart, rows, 1);
    if (count > out.capacity) {
      throw new SaeCapacityError(`The batch has ${count} active (token, latent) entries, more than this encoder's capacity ${out.capacity}; create the SaeEncoder with capacity ≥ ${count} or fewer rows`);
    }
    return out;
  }

  /** ẑ = b_dec + Σ f_j W_dec[j] for `batch`: [rows, dIn] f32, this encoder's own buffer. */
  async reconstruct(batch: GPUBuffer): Promise<GPUBuffer> {
    const active = await this.encode(batch);
    const { model } = this;
    sparseDecode(this.ctx, { decoder: model.decoder, blocks: model.blocks, dIn: model.config.dIn, active, bias: model.bDec, out: this.recon });
    return this.recon;
  }

  destroy(): void {
    this.selector.destroy();
    for (const b of [...this.pre, this.recon]) b.destroy();
    if (this.selection.kind === 'threshold' && this.selection.threshold !== this.model.threshold) this.selection.threshold.destroy();
  }
}
