import * as tf from '@tensorflow/tfjs-core';
// tfjs-core alone has the ops but not their gradients (the full @tensorflow/tfjs package imports these).
import '@tensorflow/tfjs-core/dist/register_all_gradients';
import type { SaeWeights } from '../../src/sae/sae-model';

/**
 * The TopK SAE training step written the way a TF.js user would write it
 * (tfjs-core ops on any backend), doing the same work as our SaeTrainer with
 * `activation: 'topk'`, `auxKWeight: 0`, `bDecInit: 'mean'`, `warmupSteps: 0`:
 *
 *   z_c = z − b_dec,  pre = z_c·W_enc + b_enc,
 *   f = pre where pre is among its row's k largest and positive, else 0 (tf.topk → mask),
 *   ẑ = f·W_dec + b_dec,  L = Σ‖ẑ − z‖² / Σ‖z − z̄‖²  (the batch FVU, shaders/sae-loss.wgsl),
 *   gradients by tf.variableGrads, the component of ∂L/∂W_dec along each
 *   decoder row removed, tf.train.adam, decoder rows renormalised to unit norm.
 *
 * Where it differs from ours: everything is dense (the decode and the
 * backward are full [rows, m] products, TF.js has no sparse ops on WebGPU),
 * and our step's bookkeeping (loss-health check, metrics window, fire and
 * idle counters) has no counterpart here.
 */
export interface TfjsSaeSettings {
  /** Active latents per token. */
  k: number;
  lr: number;
  adamBeta1: number;
  adamBeta2: number;
  adamEps: number;
}

export type SaeGradients = Record<'W_enc' | 'b_enc' | 'W_dec' | 'b_dec', tf.Tensor>;

/** Variable names are global in TF.js: each instance gets its own prefix. */
let instances = 0;

export class TfjsTopKSae {
  /** [dIn, m] */
  readonly wEnc: tf.Variable;
  /** [m] */
  readonly bEnc: tf.Variable;
  /** [m, dIn], unit rows */
  readonly wDec: tf.Variable;
  /** [dIn] */
  readonly bDec: tf.Variable;
  /** The last step's loss and gradients (∂L/∂W_dec with the row-parallel part removed), kept for checks until the next step. */
  last: { loss: tf.Scalar; grads: SaeGradients } | null = null;

  private readonly optimizer: tf.AdamOptimizer;
  private readonly activation: (pre: tf.Tensor2D) => tf.Tensor2D;
  private steps = 0;

  /** `init`: SAELens layout (W_enc [dIn, m], W_dec [m, dIn]); b_dec is replaced by the first batch's mean. */
  constructor(init: SaeWeights, settings: TfjsSaeSettings) {
    const dIn = init.b_dec.length;
    const m = init.b_enc.length;
    const prefix = `tfjsSae${instances++}`;
    this.wEnc = tf.variable(tf.tensor2d(init.W_enc, [dIn, m]), true, `${prefix}.W_enc`);
    this.bEnc = tf.variable(tf.tensor1d(init.b_enc), true, `${prefix}.b_enc`);
    this.wDec = tf.variable(tf.tensor2d(init.W_dec, [m, dIn]), true, `${prefix}.W_dec`);
    this.bDec = tf.variable(tf.tensor1d(init.b_dec), true, `${prefix}.b_dec`);
    this.optimizer = tf.train.adam(settings.lr, settings.adamBeta1, settings.adamBeta2, settings.adamEps);
    this.activation = topKActivation(settings.k);
  }

  /** One training step on z [rows, dIn]; records the GPU work (the caller submits or reads). */
  step(z: tf.Tensor2D): void {
    this.disposeLast();
    // b_dec starts at the mean of the first batch (ours: bDecInit 'mean').
    if (this.steps++ === 0) this.bDec.assign(tf.tidy(() => tf.mean(z, 0)));
    const variance = tf.tidy(() => tf.sum(tf.squaredDifference(z, tf.mean(z, 0)))) as tf.Scalar;
    const { value, grads } = tf.variableGrads(() => this.loss(z, variance), [this.wEnc, this.bEnc, this.wDec, this.bDec]);
    variance.dispose();
    // With unit decoder rows, only the part of the gradient orthogonal to each row turns it (as our decoderRowsStep).
    const rawDec = grads[this.wDec.name];
    const gDec = tf.tidy(() => tf.sub(rawDec, tf.mul(tf.sum(tf.mul(rawDec, this.wDec), 1, true), this.wDec)));
    rawDec.dispose();
    const named = { W_enc: grads[this.wEnc.name], b_enc: grads[this.bEnc.name], W_dec: gDec, b_dec: grads[this.bDec.name] };
    this.optimizer.applyGradients([
      { name: this.wEnc.name, tensor: named.W_enc },
      { name: this.bEnc.name, tensor: named.b_enc },
      { name: this.wDec.name, tensor: named.W_dec },
      { name: this.bDec.name, tensor: named.b_dec },
    ]);
    this.wDec.assign(tf.tidy(() => tf.div(this.wDec, tf.norm(this.wDec, 'euclidean', 1, true))));
    this.last = { loss: value, grads: named };
  }

  dispose(): void {
    this.disposeLast();
    this.optimizer.dispose();
    for (const v of [this.wEnc, this.bEnc, this.wDec, this.bDec]) v.dispose();
  }

  private loss(z: tf.Tensor2D, variance: tf.Scalar): tf.Scalar {
    const zc = tf.sub(z, this.bDec);
    const pre = tf.add(tf.matMul(zc, this.wEnc), this.bEnc) as tf.Tensor2D;
    const f = this.activation(pre);
    const recon = tf.add(tf.matMul(f, this.wDec), this.bDec);
    return tf.div(tf.sum(tf.squaredDifference(recon, z)), variance);
  }

  private disposeLast(): void {
    if (!this.last) return;
    this.last.loss.dispose();
    for (const g of Object.values(this.last.grads)) g.dispose();
    this.last = null;
  }
}

/**
 * f = pre · mask, mask = (pre ≥ the row's k-th largest value) ∧ (pre > 0).
 * tf.topk has no gradient in TF.js, so the mask is a custom op whose gradient
 * is dy · mask (the same as ours: only kept entries carry gradient).
 */
function topKActivation(k: number): (pre: tf.Tensor2D) => tf.Tensor2D {
  return tf.customGrad((...args: (tf.Tensor | tf.GradSaveFunc)[]) => {
    const [pre, save] = args as [tf.Tensor2D, tf.GradSaveFunc];
    const rows = pre.shape[0];
    const kth = tf.slice(tf.topk(pre, k).values, [0, k - 1], [rows, 1]);
    const mask = tf.cast(tf.logicalAnd(tf.greaterEqual(pre, kth), tf.greater(pre, 0)), 'float32');
    save([mask]);
    return { value: tf.mul<tf.Tensor2D>(pre, mask), gradFunc: (dy: tf.Tensor2D, [saved]: tf.Tensor[]) => tf.mul(dy, saved) };
  });
}
