import type { GpuContext } from '../../gpu/context';
import { encoderPreActivations, requireFloats } from '../forward';
import type { SaeConfig } from '../sae-config';
import { SaeModel, type SaeModelOptions, type SaeWeights } from '../sae-model';
import { ActiveSelector, type Selection } from '../topk';
import { adamCoefficients, adamStep, decoderRowsStep } from './adam';
import { bDecGradient } from './bias-grad';
import { recordBookkeeping } from './bookkeeping';
import { LatentLists } from './csc';
import { decoderError, decoderLayout, type DecoderLayout } from './decoder-error';
import { geometricMedian } from './geometric-median';
import { latentGradients } from './latent-grad';
import { createLossBuffers, LOSS_TERMS, recordLoss, TRAIN_STATE, type LossBuffers } from './loss';
import { summarizeWindow, type SaeTrainingMetrics } from './metrics';
import { readJoined, readTrainingState, writeTrainingState, type ParameterSlot, type SaeCheckpoint, type TrainingBuffers } from './training-state';

/** Training stopped: a step's loss was NaN/Inf or exploded. The weights are those of the last good step. */
export class SaeTrainingDiverged extends Error {
  override name = 'SaeTrainingDiverged';
  constructor(
    readonly step: number,
    readonly loss: number,
  ) {
    super(
      `SAE training diverged at step ${step}: loss = ${loss} (NaN/Inf, or more than divergenceFactor × the running median). ` +
        `The weights and optimiser state are those of step ${step - 1}; lower lr, check the batch for NaN/Inf, or raise divergenceFactor.`,
    );
  }
}

/**
 * Trains the residualized temporal SAE on batches of z (arXiv 2605.27813). A step
 * reads like the method: encode (z − b_dec inside the product), select (TopK /
 * BatchTopK / ReLU), decode sparsely into the error ẑ − z with the loss's column
 * sums, AuxK on dead latents, loss, sparse backward, Adam (for
 * W_dec in one kernel with removing the gradient along each row and
 * renormalising the row), bookkeeping — all
 * recorded as GPU dispatches. Nothing is read back except every
 * `metricsEvery` steps, when the metrics window and the divergence flag are.
 */
export class SaeTrainer {
  /** Steps done (1-based index of the last step). */
  stepCount = 0;
  private tokens = 0;
  private windowTokens = 0;
  private windowStart = 0;
  /** Set once a divergence has been reported; later steps rethrow it instead of training on. */
  private diverged: SaeTrainingDiverged | null = null;

  private readonly rows: number;
  private readonly pre: GPUBuffer[];
  /** [rows, dIn]: the error e = ẑ − z, and AuxK's e + ê (the seeds ∂L/∂ẑ, ∂L/∂ê before their scale). */
  private readonly error: GPUBuffer;
  private readonly auxError: GPUBuffer;
  private readonly selector: ActiveSelector;
  private readonly auxSelector: ActiveSelector | null;
  private readonly lists: LatentLists;
  private readonly auxLists: LatentLists | null;
  /** Each active (and AuxK) entry's decoder dot: ∂L/∂f before the seed scale. */
  private readonly dots: GPUBuffer;
  private readonly auxDots: GPUBuffer | null;
  /** How the decoder lays out its threads for the main and the AuxK selection (decoder-error.ts). */
  private readonly layout: DecoderLayout;
  private readonly auxLayout: DecoderLayout;
  private readonly gradEnc: GPUBuffer[];
  private readonly gradDec: GPUBuffer[];
  private readonly gradBEnc: GPUBuffer;
  private readonly gradBDec: GPUBuffer;
  private readonly slots: ParameterSlot[];
  /** The slots of W_dec's blocks, in block order (stepped by decoderRowsStep), and the others (plain Adam). */
  private readonly decoderSlots: ParameterSlot[];
  private readonly otherSlots: ParameterSlot[];
  private readonly loss: LossBuffers;
  private readonly idle: GPUBuffer;
  private readonly fires: GPUBuffer;
  private readonly selection: Selection;

  private constructor(
    readonly ctx: GpuContext,
    readonly config: SaeConfig,
    readonly model: SaeModel,
  ) {
    const { dIn, latents: m, batchSize: rows, activation, k, auxK } = config;
    const blocks = model.blocks;
    this.rows = rows;
    this.pre = blocks.blocks.map((b, i) => ctx.createBuffer(rows * b.count * 4, `sae.train.pre.${i}`));
    this.error = ctx.createBuffer(rows * dIn * 4, 'sae.train.error');
    this.auxError = ctx.createBuffer(rows * dIn * 4, 'sae.train.auxError');
    // TopK modes keep at most rows·k entries; ReLU may keep every positive one.
    const capacity = activation === 'relu' ? rows * m : rows * k;
    this.selector = new ActiveSelector(ctx, rows, blocks, capacity, 'sae.train.active');
    this.lists = new LatentLists(ctx, this.selector.out, 'sae.train.lists');
    this.dots = ctx.createBuffer(capacity * 4, 'sae.train.dots');
    // AuxK (Gao et al. 2024, arXiv 2406.04093, §A.2) belongs to the TopK family; ReLU SAEs use the L1 penalty alone.
    const useAux = activation !== 'relu' && config.auxKWeight > 0;
    this.auxSelector = useAux ? new ActiveSelector(ctx, rows, blocks, rows * auxK, 'sae.train.aux') : null;
    this.auxLists = this.auxSelector ? new LatentLists(ctx, this.auxSelector.out, 'sae.train.auxLists') : null;
    this.auxDots = useAux ? ctx.createBuffer(rows * auxK * 4, 'sae.train.auxDots') : null;
    this.gradEnc = blocks.blocks.map((b, i) => ctx.createBuffer(b.count * dIn * 4, `sae.train.gradEnc.${i}`));
    this.gradDec = blocks.blocks.map((b, i) => ctx.createBuffer(b.count * dIn * 4, `sae.train.gradDec.${i}`));
    this.gradBEnc = ctx.createBuffer(m * 4, 'sae.train.gradBEnc');
    this.gradBDec = ctx.createBuffer(dIn * 4, 'sae.train.gradBDec');
    const grads = [...this.gradEnc, ...this.gradDec, this.gradBEnc, this.gradBDec];
    this.slots = model.parameters().map((p, i) => ({
      name: p.name,
      param: p.buffer,
      grad: grads[i],
      moment1: ctx.createBuffer(p.length * 4, `sae.adam.m.${p.name}`),
      moment2: ctx.createBuffer(p.length * 4, `sae.adam.v.${p.name}`),
      length: p.length,
    }));
    this.decoderSlots = model.decoder.map((block) => this.slots.find((s) => s.param === block)!);
    this.otherSlots = this.slots.filter((s) => !this.decoderSlots.includes(s));
    this.loss = createLossBuffers(ctx, rows, dIn, config.metricsEvery);
    this.idle = ctx.createBuffer(m * 4, 'sae.idle');
    this.fires = ctx.createBuffer(m * 4, 'sae.fires');
    this.selection =
      activation === 'topk'
        ? { kind: 'topk', k }
        : activation === 'batchtopk'
          ? { kind: 'batchtopk', k }
          : { kind: 'threshold', threshold: ctx.createBuffer(4, 'sae.reluThreshold') };
    this.layout = decoderLayout(ctx, blocks, this.selection);
    this.auxLayout = decoderLayout(ctx, blocks, { kind: 'topk', k: auxK });
    // Fresh buffers are zero (WebGPU zero-initialises), which is the starting state of every counter and moment.
  }

  /** A trainer for a fresh SAE initialised from `config.seed`. */
  static create(ctx: GpuContext, config: SaeConfig, options: SaeModelOptions = {}): SaeTrainer {
    return new SaeTrainer(ctx, config, SaeModel.create(ctx, config, options));
  }

  /**
   * One training step on `batch` ([batchSize, dIn] f32 on the GPU). Returns
   * the metrics every `metricsEvery` steps (then it reads back and throws
   * SaeTrainingDiverged if any step of the window diverged), else null.
   */
  async step(batch: GPUBuffer): Promise<SaeTrainingMetrics | null> {
    if (this.diverged) throw this.diverged;
    this.recordStep(batch);
    return this.stepCount % this.config.metricsEvery === 0 ? this.readMetrics() : null;
  }

  /** Records one step's dispatches (no readback). */
  private recordStep(z: GPUBuffer): void {
    const { ctx, config, model, rows } = this;
    const { dIn, latents } = config;
    const blocks = model.blocks;
    requireFloats('SaeTrainer.step batch', z, rows * dIn);
    const t = ++this.stepCount;
    // b_dec starts at the geometric median (or mean) of the first batch.
    if (t === 1) geometricMedian(ctx, { points: z, rows, dIn, iterations: config.bDecInit === 'mean' ? 0 : config.geometricMedianIterations, out: model.bDec });

    // Forward: f = σ(W_enc (z − b_dec) + b_enc); the error e = ẑ − z = W_dec f + b_dec − z.
    encoderPreActivations(ctx, model, z, this.pre, rows);
    this.selector.select(this.pre, this.selection);
    const active = this.selector.out;
    const stats = this.loss.decodeStats;
    const decoder = { decoder: model.decoder, blocks, dIn };
    decoderError(ctx, { ...decoder, layout: this.layout, active, bias: model.bDec, rows: { x: z, sign: -1 }, stats: { buffer: stats, of: 'error' }, out: this.error, dots: this.dots });
    // AuxK: the top-auxK dead latents of each token reconstruct the residual −e; their error is e + ê.
    if (this.auxSelector && this.auxDots) {
      this.auxSelector.select(this.pre, { kind: 'topk', k: config.auxK }, { idleTokens: this.idle, minIdle: config.deadAfterTokens });
      const aux = { active: this.auxSelector.out, bias: null, rows: { x: this.error, sign: 1 as const }, stats: { buffer: stats, of: 'aux' as const } };
      decoderError(ctx, { ...decoder, ...aux, layout: this.auxLayout, out: this.auxError, dots: this.auxDots });
    }

    // Loss, from the decoder's column sums; V (in scalars) scales the errors into the seeds ∂L/∂ẑ, ∂L/∂ê.
    const auxKWeight = this.auxSelector ? config.auxKWeight : 0;
    recordLoss(ctx, this.loss, {
      bDec: model.bDec,
      active,
      rows,
      dIn,
      windowRows: this.windowTokens,
      step: t,
      slot: (t - 1) % config.metricsEvery,
      auxKWeight,
      l1Coefficient: config.activation === 'relu' ? config.l1Coefficient : 0,
      divergenceFactor: config.divergenceFactor,
    });
    this.tokens += rows;
    this.windowTokens += rows;

    // Backward, sparse: only active (and AuxK) entries carry gradient; the lists scale the dots into ∂L/∂pre.
    const l1 = config.activation === 'relu' ? config.l1Coefficient / rows : 0;
    const seed = { scalars: this.loss.scalars, factor: 1 };
    const grads = { blocks, dIn, z, bDec: model.bDec, gradDec: this.gradDec, gradEnc: this.gradEnc, gradBEnc: this.gradBEnc };
    this.lists.build(this.dots, seed, l1);
    latentGradients(ctx, { ...grads, lists: this.lists, errors: this.error, accumulate: false });
    if (this.auxLists && this.auxDots) {
      this.auxLists.build(this.auxDots, { scalars: this.loss.scalars, factor: auxKWeight });
      latentGradients(ctx, { ...grads, lists: this.auxLists, errors: this.auxError, accumulate: true });
    }
    bDecGradient(ctx, { seedSums: this.loss.seedSums, dIn, gradBEnc: this.gradBEnc, encoder: model.encoder, blocks, out: this.gradBDec });

    // Update: Adam; decoder rows lose their gradient's component along each (unit) row and go back to unit norm.
    const adam = { trainState: this.loss.trainState, coefficients: adamCoefficients(config, t), config };
    for (const s of this.otherSlots) adamStep(ctx, { ...adam, param: s.param, grad: s.grad, moment1: s.moment1, moment2: s.moment2, n: s.length });
    decoderRowsStep(ctx, { ...adam, slots: this.decoderSlots, blocks, dIn });
    recordBookkeeping(ctx, {
      listStart: this.lists.start,
      listStride: this.lists.stride,
      selectState: this.selector.state,
      trainState: this.loss.trainState,
      idle: this.idle,
      fires: this.fires,
      threshold: model.threshold,
      latents,
      rows,
      updateThreshold: config.activation === 'batchtopk',
      decay: config.thresholdDecay,
    });
    // Hand the step to the GPU now: it overlaps with the caller preparing the next batch, and a
    // later queue.writeBuffer into `z` cannot overtake this step's reads of it.
    ctx.submit();
  }

  /**
   * Reads the metrics window back (the only readback of training), starts a
   * new window, and throws SaeTrainingDiverged if a step of it diverged.
   */
  async readMetrics(): Promise<SaeTrainingMetrics> {
    const { ctx, config } = this;
    const state = await ctx.readU32(this.loss.trainState);
    if (state[TRAIN_STATE.diverged] !== 0) {
      this.diverged = new SaeTrainingDiverged(state[TRAIN_STATE.divergedStep], new Float32Array(state.buffer)[TRAIN_STATE.divergedLoss]);
      throw this.diverged;
    }
    const n = config.metricsEvery;
    const windowSteps = this.stepCount - this.windowStart;
    if (windowSteps === 0) throw new RangeError(`readMetrics: no training step since the last read (step ${this.stepCount})`);
    const slots = await ctx.readF32(this.loss.losses);
    const losses = new Float32Array(windowSteps * LOSS_TERMS.length);
    for (let i = 0; i < windowSteps; i++) {
      const slot = (this.windowStart + i) % n;
      losses.set(slots.subarray(4 * slot, 4 * slot + 4), 4 * i);
    }
    const metrics = summarizeWindow(
      {
        step: this.stepCount,
        tokens: this.tokens,
        windowTokens: this.windowTokens,
        windowSteps,
        columns: await ctx.readF32(this.loss.window),
        active: state[TRAIN_STATE.windowActive],
        idle: await ctx.readU32(this.idle),
        fires: await ctx.readU32(this.fires),
        losses,
      },
      config,
    );
    // Everything recorded so far has run (the readbacks submitted it), so these writes are in order.
    ctx.write(this.loss.window, new Float32Array(3 * config.dIn));
    ctx.write(this.fires, new Uint32Array(config.latents));
    ctx.write(this.loss.trainState, new Uint32Array([0]), TRAIN_STATE.windowActive * 4);
    this.windowTokens = 0;
    this.windowStart = this.stepCount;
    return metrics;
  }

  /** The weights in SAELens layout (W_enc [dIn, m], b_enc, W_dec [m, dIn], b_dec, threshold for batchtopk). */
  exportWeights(): Promise<SaeWeights> {
    return this.model.exportWeights();
  }

  /**
   * A full copy of the training state (training-state.ts): parameters, Adam
   * moments, threshold, counters and the metrics window.
   */
  checkpoint(): Promise<SaeCheckpoint> {
    return readTrainingState(this.ctx, this.stateBuffers(), { stepCount: this.stepCount, tokens: this.tokens, windowTokens: this.windowTokens, windowStart: this.windowStart });
  }

  /** Restores a `checkpoint()` (possibly taken on a device with a different block split); training then continues exactly. */
  resume(checkpoint: SaeCheckpoint): void {
    const counters = writeTrainingState(this.ctx, this.stateBuffers(), checkpoint, this.config);
    this.stepCount = counters.stepCount;
    this.tokens = counters.tokens;
    this.windowTokens = counters.windowTokens;
    this.windowStart = counters.windowStart;
    this.diverged = null;
  }

  /** Raw gradients of the last step (after the decoder-parallel component was removed), full [m, dIn] / vectors; for tests and diagnostics. */
  async gradients(): Promise<Record<'W_encT' | 'W_dec' | 'b_enc' | 'b_dec', Float32Array>> {
    const byName = (prefix: string) => this.slots.filter((s) => s.name === prefix || s.name.startsWith(`${prefix}.`)).map((s) => ({ buffer: s.grad, length: s.length }));
    return {
      W_encT: await readJoined(this.ctx, byName('W_encT')),
      W_dec: await readJoined(this.ctx, byName('W_dec')),
      b_enc: await readJoined(this.ctx, byName('b_enc')),
      b_dec: await readJoined(this.ctx, byName('b_dec')),
    };
  }

  destroy(): void {
    this.selector.destroy();
    this.auxSelector?.destroy();
    this.lists.destroy();
    this.auxLists?.destroy();
    const owned = [...this.pre, this.error, this.auxError, this.dots, ...this.gradEnc, ...this.gradDec, this.gradBEnc, this.gradBDec, this.idle, this.fires];
    for (const b of [...owned, ...Object.values(this.loss), ...this.slots.flatMap((s) => [s.moment1, s.moment2])]) b.destroy();
    this.auxDots?.destroy();
    if (this.selection.kind === 'threshold') this.selection.threshold.destroy();
    this.model.destroy();
  }

  private stateBuffers(): TrainingBuffers {
    return { slots: this.slots, threshold: this.model.threshold, idle: this.idle, fires: this.fires, loss: this.loss };
  }
}
