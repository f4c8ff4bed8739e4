import { describe, expect, it } from 'vitest';
import { gaussianArray, seededRandom } from '../gpu/random';
import { testGpu } from '../gpu/test-gpu';
import { encoderPreActivations, sparseDecode } from './forward';
import { resolveSaeConfig } from './sae-config';
import { SaeModel } from './sae-model';
import type { ActiveSet } from './topk';

const m = 53;
const rows = 33;

// dIn 37 runs the kernels' scalar variants, 36 their vec4 ones (laneKernel).
describe.each([37, 36])('SAE forward pass, dIn %i', (dIn) => {
  const config = resolveSaeConfig({ dIn, latents: m, batchSize: rows, k: 4, seed: 11 });
  /** Blocks of 20 latents: the widest per-latent tensor is dIn floats. */
  const smallLimit = 20 * dIn * 4;

  it('initialises unit-norm decoder rows and the encoder as their transpose, independent of the block split', async () => {
    const ctx = await testGpu();
    const whole = await SaeModel.create(ctx, config).exportWeights();
    const split = SaeModel.create(ctx, config, { maxBindingBytes: smallLimit });
    expect(split.blocks.blocks.map((b) => b.count)).toEqual([20, 20, 13]);
    const w = await split.exportWeights();
    expect(w.W_dec).toEqual(whole.W_dec);
    expect(w.W_enc).toEqual(whole.W_enc);
    for (let j = 0; j < m; j++) {
      let norm = 0;
      for (let d = 0; d < dIn; d++) {
        norm += w.W_dec[j * dIn + d] ** 2;
        expect(w.W_enc[d * m + j]).toBe(w.W_dec[j * dIn + d]);
      }
      expect(Math.sqrt(norm)).toBeCloseTo(1, 6);
    }
    split.destroy();
  });

  it('pre-activations (z − b_dec)·W_enc + b_enc per latent block match float64', async () => {
    const ctx = await testGpu();
    const rand = seededRandom(3);
    const weights = {
      W_enc: gaussianArray(dIn * m, rand, 0.3),
      b_enc: gaussianArray(m, rand),
      W_dec: gaussianArray(m * dIn, rand),
      b_dec: gaussianArray(dIn, rand),
    };
    const model = SaeModel.fromWeights(ctx, config, weights, { maxBindingBytes: smallLimit });
    const z = gaussianArray(rows * dIn, rand, 2);
    const zBuf = ctx.upload(z, 'z');
    const pre = model.blocks.blocks.map((b, i) => ctx.createBuffer(rows * b.count * 4, `pre.${i}`));
    encoderPreActivations(ctx, model, zBuf, pre, rows);
    const tol = 1e-6 * Math.sqrt(dIn) * 20;
    for (const [i, b] of model.blocks.blocks.entries()) {
      const got = await ctx.readF32(pre[i]);
      for (let r = 0; r < rows; r++) {
        for (let jl = 0; jl < b.count; jl++) {
          const j = b.start + jl;
          let want = weights.b_enc[j];
          for (let d = 0; d < dIn; d++) want += (z[r * dIn + d] - weights.b_dec[d]) * weights.W_enc[d * m + j];
          expect(Math.abs(got[r * b.count + jl] - want)).toBeLessThan(tol);
        }
      }
    }
    // The export is the SAELens layout it was built from.
    const back = await model.exportWeights();
    expect(back.W_enc).toEqual(weights.W_enc);
    expect(back.W_dec).toEqual(weights.W_dec);
    model.destroy();
  });

  it('sparse decode matches float64 and is bit-identical across block splits', async () => {
    const ctx = await testGpu();
    const rand = seededRandom(5);
    // A CSR list with 0..6 latents per row (ascending), one row empty.
    const rowStart = [0];
    const latent: number[] = [];
    const value: number[] = [];
    const row: number[] = [];
    for (let r = 0; r < rows; r++) {
      const n = r === 4 ? 0 : Math.floor(rand() * 7);
      const set = new Set<number>();
      while (set.size < n) set.add(Math.floor(rand() * m));
      for (const j of [...set].sort((a, b) => a - b)) {
        latent.push(j);
        value.push(rand() * 3);
        row.push(r);
      }
      rowStart.push(latent.length);
    }
    const active: ActiveSet = {
      rows,
      latents: m,
      capacity: latent.length,
      rowStart: ctx.upload(new Uint32Array(rowStart), 'rowStart'),
      latent: ctx.upload(new Uint32Array(latent), 'latent'),
      value: ctx.upload(new Float32Array(value), 'value'),
      row: ctx.upload(new Uint32Array(row), 'row'),
    };
    const W_dec = gaussianArray(m * dIn, rand);
    const b_dec = gaussianArray(dIn, rand);
    const weights = { W_enc: new Float32Array(dIn * m), b_enc: new Float32Array(m), W_dec, b_dec };
    const decode = async (limit: number | undefined, withBias: boolean) => {
      const model = SaeModel.fromWeights(ctx, config, weights, { maxBindingBytes: limit });
      const out = ctx.createBuffer(rows * dIn * 4, 'out');
      sparseDecode(ctx, { decoder: model.decoder, blocks: model.blocks, dIn, active, bias: withBias ? model.bDec : null, out });
      const got = await ctx.readF32(out);
      model.destroy();
      return got;
    };
    for (const withBias of [true, false]) {
      const got = await decode(undefined, withBias);
      expect(await decode(smallLimit, withBias)).toEqual(got);
      for (let r = 0; r < rows; r++) {
        for (let d = 0; d < dIn; d++) {
          let want = withBias ? b_dec[d] : 0;
          for (let p = rowStart[r]; p < rowStart[r + 1]; p++) want += Math.fround(value[p]) * W_dec[latent[p] * dIn + d];
          expect(Math.abs(got[r * dIn + d] - want)).toBeLessThan(1e-5);
        }
      }
    }
  });
});
