import '@tensorflow/tfjs-backend-cpu';
import * as tf from '@tensorflow/tfjs-core';
import { beforeAll, describe, expect, it } from 'vitest';
import { gaussianArray, seededRandom } from '../../src/gpu/random';
import { TfjsTopKSae, type TfjsSaeSettings } from './tfjs-sae';

const ROWS = 9;
const D_IN = 7;
const M = 13;
const SETTINGS: TfjsSaeSettings = { k: 3, lr: 0.01, adamBeta1: 0.9, adamBeta2: 0.999, adamEps: 1e-8 };

type Matrix = Float64Array;

/** Float64 TopK SAE step (forward, hand-written backward, parallel-gradient removal, Adam step 1, renormalisation). */
function referenceStep(z: Matrix, W_enc: Matrix, b_enc: Matrix, W_dec: Matrix) {
  const { k, lr, adamEps } = SETTINGS;
  const bDec = new Float64Array(D_IN);
  for (let r = 0; r < ROWS; r++) for (let d = 0; d < D_IN; d++) bDec[d] += z[r * D_IN + d] / ROWS;
  const zc = z.map((v, i) => v - bDec[i % D_IN]);
  const pre = new Float64Array(ROWS * M);
  for (let r = 0; r < ROWS; r++)
    for (let j = 0; j < M; j++) {
      let s = b_enc[j];
      for (let d = 0; d < D_IN; d++) s += zc[r * D_IN + d] * W_enc[d * M + j];
      pre[r * M + j] = s;
    }
  const mask = new Float64Array(ROWS * M);
  for (let r = 0; r < ROWS; r++) {
    const order = [...Array(M).keys()].sort((a, b) => pre[r * M + b] - pre[r * M + a]);
    for (const j of order.slice(0, k)) if (pre[r * M + j] > 0) mask[r * M + j] = 1;
  }
  const f = pre.map((v, i) => v * mask[i]);
  const recon = new Float64Array(ROWS * D_IN);
  let err = 0;
  let variance = 0;
  for (let r = 0; r < ROWS; r++)
    for (let d = 0; d < D_IN; d++) {
      let s = bDec[d];
      for (let j = 0; j < M; j++) s += f[r * M + j] * W_dec[j * D_IN + d];
      recon[r * D_IN + d] = s;
      err += (s - z[r * D_IN + d]) ** 2;
      variance += zc[r * D_IN + d] ** 2;
    }
  const dRecon = recon.map((v, i) => (2 * (v - z[i])) / variance);
  const gW_dec = new Float64Array(M * D_IN);
  const dPre = new Float64Array(ROWS * M);
  for (let r = 0; r < ROWS; r++)
    for (let j = 0; j < M; j++) {
      let s = 0;
      for (let d = 0; d < D_IN; d++) {
        gW_dec[j * D_IN + d] += f[r * M + j] * dRecon[r * D_IN + d];
        s += dRecon[r * D_IN + d] * W_dec[j * D_IN + d];
      }
      dPre[r * M + j] = s * mask[r * M + j];
    }
  const gW_enc = new Float64Array(D_IN * M);
  const gb_enc = new Float64Array(M);
  const gb_dec = new Float64Array(D_IN);
  for (let r = 0; r < ROWS; r++)
    for (let d = 0; d < D_IN; d++) {
      gb_dec[d] += dRecon[r * D_IN + d];
      for (let j = 0; j < M; j++) {
        gW_enc[d * M + j] += zc[r * D_IN + d] * dPre[r * M + j];
        // z_c = z − b_dec: the encoder path contributes −Σ_j ∂L/∂pre_j · W_enc[d, j].
        gb_dec[d] -= dPre[r * M + j] * W_enc[d * M + j];
        if (d === 0) gb_enc[j] += dPre[r * M + j];
      }
    }
  for (let j = 0; j < M; j++) {
    let dot = 0;
    for (let d = 0; d < D_IN; d++) dot += gW_dec[j * D_IN + d] * W_dec[j * D_IN + d];
    for (let d = 0; d < D_IN; d++) gW_dec[j * D_IN + d] -= dot * W_dec[j * D_IN + d];
  }
  // Adam's first step: m̂ = g, v̂ = g², so θ −= lr · g / (|g| + ε).
  const W_decNext = W_dec.map((w, i) => w - (lr * gW_dec[i]) / (Math.abs(gW_dec[i]) + adamEps));
  for (let j = 0; j < M; j++) {
    const row = W_decNext.subarray(j * D_IN, (j + 1) * D_IN);
    const norm = Math.hypot(...row);
    for (let d = 0; d < D_IN; d++) row[d] /= norm;
  }
  return { loss: err / variance, grads: { W_enc: gW_enc, b_enc: gb_enc, W_dec: gW_dec, b_dec: gb_dec }, W_decNext };
}

function unitRows(w: Float32Array, dIn: number): Float32Array {
  for (let j = 0; j < w.length / dIn; j++) {
    const row = w.subarray(j * dIn, (j + 1) * dIn);
    const norm = Math.hypot(...row);
    for (let d = 0; d < dIn; d++) row[d] /= norm;
  }
  return w;
}

/** max |a − b| / max |b| */
function relativeError(a: ArrayLike<number>, b: ArrayLike<number>): number {
  let diff = 0;
  let scale = 0;
  for (let i = 0; i < b.length; i++) {
    diff = Math.max(diff, Math.abs(a[i] - b[i]));
    scale = Math.max(scale, Math.abs(b[i]));
  }
  return diff / scale;
}

describe('TfjsTopKSae (TF.js CPU backend)', () => {
  beforeAll(async () => {
    expect(await tf.setBackend('cpu')).toBe(true);
  });

  it('matches a float64 TopK SAE step: loss, gradients and the updated, renormalised decoder', () => {
    const random = seededRandom(7);
    const z = gaussianArray(ROWS * D_IN, random);
    // The encoder is not the decoder's transpose here, so a transposed product in either would show.
    const init = {
      W_enc: gaussianArray(D_IN * M, random, 0.5),
      b_enc: gaussianArray(M, random, 0.1),
      W_dec: unitRows(gaussianArray(M * D_IN, random), D_IN),
      b_dec: gaussianArray(D_IN, random),
    };
    const expected = referenceStep(Float64Array.from(z), Float64Array.from(init.W_enc), Float64Array.from(init.b_enc), Float64Array.from(init.W_dec));

    const sae = new TfjsTopKSae(init, SETTINGS);
    const batch = tf.tensor2d(z, [ROWS, D_IN]);
    sae.step(batch);
    const last = sae.last!;
    // f32 sums over at most M·D_IN terms: a few ulps of the largest term.
    expect(Math.abs(last.loss.dataSync()[0] - expected.loss) / expected.loss).toBeLessThan(1e-5);
    for (const name of ['W_enc', 'b_enc', 'W_dec', 'b_dec'] as const) {
      expect(relativeError(last.grads[name].dataSync(), expected.grads[name]), name).toBeLessThan(1e-4);
    }
    expect(relativeError(sae.wDec.dataSync(), expected.W_decNext)).toBeLessThan(1e-5);
    // Every row moved: the step is not a no-op.
    expect(relativeError(sae.wDec.dataSync(), init.W_dec)).toBeGreaterThan(SETTINGS.lr / 2);
    sae.dispose();
    batch.dispose();
  });
});
