import { describe, expect, it } from 'vitest';
import { uploadDynamics } from '../dynamics/gpu-dynamics';
import { randomModel } from '../dynamics/test-reference';
import { gaussianArray, seededRandom } from '../gpu/random';
import { testGpu } from '../gpu/test-gpu';
import { decoderNeighbours, temporalProfiles, type DecoderNeighbours } from './decoder-statistics';
import { resolveSaeConfig } from './sae-config';
import { SaeModel, type SaeWeights } from './sae-model';

const S = 3;
const d = 9;
const dIn = S * d;
const m = 61;
const config = resolveSaeConfig({ dIn, latents: m, k: 4, batchSize: 8, seed: 2 });
/** Decoder blocks of 20 latents (the widest per-latent tensor is dIn = 27 floats): [20, 20, 20, 1]. */
const maxBindingBytes = 20 * dIn * 4;

/** Random weights for `latents` latents with unit-norm decoder rows, then `copies` applied: [to, from, sign] sets row `to` to sign·row `from`. */
function weights(latents: number, seed: number, copies: [number, number, number][]): SaeWeights {
  const rand = seededRandom(seed);
  const W_dec = gaussianArray(latents * dIn, rand);
  for (let j = 0; j < latents; j++) {
    const row = W_dec.subarray(j * dIn, (j + 1) * dIn);
    const norm = Math.hypot(...row);
    row.forEach((v, i) => (row[i] = v / norm));
  }
  for (const [to, from, sign] of copies) for (let i = 0; i < dIn; i++) W_dec[to * dIn + i] = sign * W_dec[from * dIn + i];
  return { W_enc: new Float32Array(dIn * latents), b_enc: new Float32Array(latents), W_dec, b_dec: new Float32Array(dIn) };
}

/** Checks `got` against float64 cosines: for each latent the n others of largest cosine, equal ones by index. */
function expectNeighbours(got: DecoderNeighbours, W_dec: Float32Array, latents: number): void {
  const { n } = got;
  for (let j = 0; j < latents; j++) {
    const others = [];
    for (let c = 0; c < latents; c++) {
      if (c === j) continue;
      let dot = 0;
      for (let i = 0; i < dIn; i++) dot += W_dec[j * dIn + i] * W_dec[c * dIn + i];
      others.push({ c, dot });
    }
    others.sort((a, b) => b.dot - a.dot || a.c - b.c);
    for (let i = 0; i < n; i++) {
      expect(got.index[j * n + i]).toBe(others[i].c);
      expect(Math.abs(got.cosine[j * n + i] - others[i].dot)).toBeLessThan(1e-6 * Math.sqrt(dIn));
    }
  }
}

describe('decoder statistics', () => {
  // Rows 40 and 50 copy row 3: exact ties.
  const w = weights(m, 5, [[40, 3, 1], [50, 3, 1]]);

  it('nearest neighbours by decoder cosine match float64, in row blocks smaller than m and across decoder blocks', async () => {
    const ctx = await testGpu();
    const model = SaeModel.fromWeights(ctx, config, w, { maxBindingBytes });
    expect(model.blocks.blocks.map((b) => b.count)).toEqual([20, 20, 20, 1]);
    const got = await decoderNeighbours(ctx, model, 5, { rowBlock: 7 });
    expect(got.n).toBe(5);
    expectNeighbours(got, w.W_dec, m);
    // Duplicated rows: cosine 1, in index order; never the latent itself.
    expect(Array.from(got.index.subarray(3 * 5, 3 * 5 + 2))).toEqual([40, 50]);
    expect(Array.from(got.index.subarray(40 * 5, 40 * 5 + 2))).toEqual([3, 50]);
    // One block of all rows gives the same bits.
    expect(await decoderNeighbours(ctx, model, 5)).toEqual(got);
    model.destroy();
  });

  it('ranks all m − 1 others, negative cosines included', async () => {
    const ctx = await testGpu();
    const few = 12;
    // Row 7 = −row 2: each is the other's farthest, at cosine −1.
    const wFew = weights(few, 6, [[7, 2, -1]]);
    const model = SaeModel.fromWeights(ctx, resolveSaeConfig({ dIn, latents: few, k: 4, batchSize: 8 }), wFew);
    const got = await decoderNeighbours(ctx, model, few - 1, { rowBlock: 5 });
    expectNeighbours(got, wFew.W_dec, few);
    expect(got.index[2 * (few - 1) + few - 2]).toBe(7);
    expect(got.cosine[2 * (few - 1) + few - 2]).toBeCloseTo(-1, 6);
    model.destroy();
  });

  it('rejects n outside [1, m − 1] naming the value', async () => {
    const ctx = await testGpu();
    const model = SaeModel.fromWeights(ctx, config, w);
    await expect(decoderNeighbours(ctx, model, m)).rejects.toThrow(/n = 61/);
    await expect(decoderNeighbours(ctx, model, 4, { rowBlock: 0 })).rejects.toThrow(/rowBlock = 0/);
    model.destroy();
  });

  it('temporal profiles ‖v_k[s]‖ match float64 through the dynamics, across decoder blocks', async () => {
    const ctx = await testGpu();
    const dynamics = randomModel('full', S, d, 8);
    const dyn = uploadDynamics(ctx, dynamics);
    const model = SaeModel.fromWeights(ctx, config, w, { maxBindingBytes });
    const got = await temporalProfiles(ctx, dyn, model);
    expect(got.length).toBe(m * S);
    for (let k = 0; k < m; k++) {
      // v_1 = u_1·scale_1, v_s = A_s v_{s−1} + u_s·scale_s: the linear part of the inverse.
      let prev = new Float64Array(d);
      for (let s = 0; s < S; s++) {
        const v = new Float64Array(d);
        for (let i = 0; i < d; i++) {
          v[i] = w.W_dec[k * dIn + s * d + i] * dynamics.scales[s];
          if (s > 0) for (let j = 0; j < d; j++) v[i] += dynamics.A[((s - 1) * d + i) * d + j] * prev[j];
        }
        const norm = Math.hypot(...v);
        expect(Math.abs(got[k * S + s] - norm)).toBeLessThan(1e-5 * Math.max(1, norm));
        prev = v;
      }
    }
    await expect(temporalProfiles(ctx, uploadDynamics(ctx, randomModel('full', S, d + 1, 8)), model)).rejects.toThrow(/dIn = 27/);
    model.destroy();
    dyn.destroy();
  });
});
