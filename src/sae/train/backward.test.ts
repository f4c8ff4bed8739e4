import { beforeAll, describe, expect, it } from 'vitest';
import type { GpuContext } from '../../gpu/context';
import { gaussianArray, seededRandom } from '../../gpu/random';
import { testGpu } from '../../gpu/test-gpu';
import { planLatentBlocks } from '../latent-blocks';
import type { ActiveSet } from '../topk';
import { activeGradient } from './active-grad';
import { adamCoefficients, adamStep, decoderRowsStep } from './adam';
import { bDecGradient } from './bias-grad';
import { recordBookkeeping } from './bookkeeping';
import { LatentLists } from './csc';
import { geometricMedian } from './geometric-median';
import { latentRowSums } from './latent-grad';
import { LOSS_HISTORY, recordLoss, TRAIN_STATE } from './loss';

/** Set per describe: 29 runs the Lane kernels' scalar variants, 32 their vec4 ones (laneKernel). */
let dIn = 29;
const m = 67;
const rows = 33;
const defaultRows = rows;
/** Blocks of 25 latents: the widest per-latent tensor has 33 floats. */
const blocks = planLatentBlocks(m, rows, 25 * rows * 4);

/** A random CSR active set: 0..7 ascending latents per row, one empty row, one empty latent range. */
function randomActive(ctx: GpuContext, seed: number, rows = defaultRows) {
  const rand = seededRandom(seed);
  const rowStart = [0];
  const latent: number[] = [];
  const value: number[] = [];
  const row: number[] = [];
  for (let r = 0; r < rows; r++) {
    const n = r === 2 ? 0 : Math.floor(rand() * 8);
    const set = new Set<number>();
    while (set.size < n) set.add(Math.floor(rand() * (m - 10)));
    for (const j of [...set].sort((a, b) => a - b)) {
      latent.push(j);
      value.push(Math.fround(0.1 + rand()));
      row.push(r);
    }
    rowStart.push(latent.length);
  }
  const capacity = latent.length + 5;
  const pad = (a: number[]) => [...a, ...new Array(5).fill(0)];
  const active: ActiveSet = {
    rows,
    latents: m,
    capacity,
    rowStart: ctx.upload(new Uint32Array(rowStart), 'rowStart'),
    latent: ctx.upload(new Uint32Array(pad(latent)), 'latent'),
    value: ctx.upload(new Float32Array(pad(value)), 'value'),
    row: ctx.upload(new Uint32Array(pad(row)), 'row'),
  };
  return { active, rowStart, latent, value, row };
}

/** Splits a [m, dIn] matrix into the blocks' buffers. */
function uploadBlocks(ctx: GpuContext, w: Float32Array, label: string): GPUBuffer[] {
  return blocks.blocks.map((b, i) => ctx.upload(w.subarray(b.start * dIn, (b.start + b.count) * dIn), `${label}.${i}`));
}

async function readBlocks(ctx: GpuContext, buffers: GPUBuffer[]): Promise<Float32Array> {
  const out = new Float32Array(m * dIn);
  for (const [i, b] of blocks.blocks.entries()) out.set(await ctx.readF32(buffers[i], 0, b.count * dIn), b.start * dIn);
  return out;
}

/** W_dec's slots, one per block, from per-block buffers. */
const slotsOf = (param: GPUBuffer[], grad: GPUBuffer[], moment1: GPUBuffer[], moment2: GPUBuffer[]) => param.map((p, i) => ({ param: p, grad: grad[i], moment1: moment1[i], moment2: moment2[i] }));

function expectClose(got: ArrayLike<number>, want: ArrayLike<number>, tol: number) {
  expect(got.length).toBe(want.length);
  let worst = 0;
  for (let i = 0; i < want.length; i++) worst = Math.max(worst, Math.abs(got[i] - want[i]) / tol);
  expect(worst).toBeLessThan(1);
}

describe.each([29, 32])('SAE backward kernels, dIn %i', (width) => {
  beforeAll(() => {
    dIn = width;
  });

  it('per-latent lists, activation gradients, weight-gradient sums and grad b_dec match float64', async () => {
    const ctx = await testGpu();
    const { active, rowStart, latent, value, row } = randomActive(ctx, 1);
    const rand = seededRandom(2);
    const W = gaussianArray(m * dIn, rand);
    const encT = gaussianArray(m * dIn, rand);
    const vecs = gaussianArray(rows * dIn, rand);
    const decoder = uploadBlocks(ctx, W, 'W');
    const encoder = uploadBlocks(ctx, encT, 'encT');
    const vecsBuf = ctx.upload(vecs, 'vecs');
    const nnz = latent.length;

    // Lists by latent: CSR positions in row order.
    const lists = new LatentLists(ctx, active, 'lists');
    lists.build();
    const start = await ctx.readU32(lists.latentStart);
    const entries = await ctx.readU32(lists.entry, 0, nnz);
    for (let j = 0; j < m; j++) {
      const want = latent.flatMap((l, p) => (l === j ? [p] : []));
      expect(Array.from(entries.subarray(start[j], start[j + 1]))).toEqual(want);
    }

    // ∂L/∂f_p = W[latent p] · vecs[row p] + add.
    const gAct = ctx.createBuffer(active.capacity * 4, 'gAct');
    activeGradient(ctx, { decoder, blocks, dIn, active, vecs: vecsBuf, out: gAct, add: 0.25 });
    const gotG = await ctx.readF32(gAct, 0, nnz);
    const wantG = latent.map((j, p) => {
      let s = 0.25;
      for (let d = 0; d < dIn; d++) s += W[j * dIn + d] * vecs[row[p] * dIn + d];
      return s;
    });
    expectClose(gotG, wantG, 1e-5 * Math.sqrt(dIn) * 4);

    // Weighted row sums (with accumulate) and weight sums per latent.
    const out = blocks.blocks.map((b, i) => ctx.upload(new Float32Array(b.count * dIn).fill(1), `out.${i}`));
    const sums = ctx.upload(new Float32Array(m).fill(2), 'sums');
    latentRowSums(ctx, { lists, blocks, dIn, weight: active.value, vecs: vecsBuf, out, sums, accumulate: true });
    const wantRows = new Float64Array(m * dIn).fill(1);
    const wantSums = new Float64Array(m).fill(2);
    latent.forEach((j, p) => {
      wantSums[j] += value[p];
      for (let d = 0; d < dIn; d++) wantRows[j * dIn + d] += value[p] * vecs[row[p] * dIn + d];
    });
    expectClose(await readBlocks(ctx, out), wantRows, 1e-5 * 8);
    expectClose(await ctx.readF32(sums), wantSums, 1e-5 * 8);

    // grad b_dec = seedSums − Σ_j sums_j · encT_j (seedSums: the loss's Σ_r ∂L/∂ẑ_r, any vector here), over two blocks into one running sum.
    const seedSums = gaussianArray(dIn, rand);
    const gradBDec = ctx.upload(new Float32Array(dIn).fill(7), 'gradBDec');
    bDecGradient(ctx, { seedSums: ctx.upload(seedSums, 'seedSums'), dIn, gradBEnc: sums, encoder, blocks, out: gradBDec });
    const wantB = Float64Array.from(seedSums);
    for (let d = 0; d < dIn; d++) {
      for (let j = 0; j < m; j++) wantB[d] -= wantSums[j] * encT[j * dIn + d];
    }
    expectClose(await ctx.readF32(gradBDec), wantB, 1e-5 * Math.sqrt(rows + m) * 4);
    expect(rowStart[rows]).toBe(nnz);
  });

  it('per-latent lists over several rounds of rows (300 rows)', async () => {
    const ctx = await testGpu();
    const { active, latent } = randomActive(ctx, 8, 300);
    const lists = new LatentLists(ctx, active, 'lists300');
    lists.build();
    const start = await ctx.readU32(lists.latentStart);
    const entries = await ctx.readU32(lists.entry, 0, latent.length);
    for (let j = 0; j < m; j++) {
      expect(Array.from(entries.subarray(start[j], start[j + 1]))).toEqual(latent.flatMap((l, p) => (l === j ? [p] : [])));
    }
  });

  it('steps W_dec rows: the gradient loses its component along each row, Adam, the row back to unit norm (unless diverged), as float64 over two steps', async () => {
    const ctx = await testGpu();
    const config = { lr: 0.05, warmupSteps: 0, adamBeta1: 0.9, adamBeta2: 0.999, adamEps: 1e-8 };
    const rand = seededRandom(3);
    const W = gaussianArray(m * dIn, rand);
    for (let j = 0; j < m; j++) {
      const n = Math.hypot(...W.subarray(j * dIn, (j + 1) * dIn));
      for (let d = 0; d < dIn; d++) W[j * dIn + d] /= n;
    }
    const decoder = uploadBlocks(ctx, W, 'W');
    const moment1 = uploadBlocks(ctx, new Float32Array(m * dIn), 'm1');
    const moment2 = uploadBlocks(ctx, new Float32Array(m * dIn), 'm2');
    const state = ctx.upload(new Uint32Array(TRAIN_STATE.words), 'state');
    const w = Float64Array.from(W);
    const mm = new Float64Array(m * dIn);
    const vv = new Float64Array(m * dIn);
    for (let t = 1; t <= 2; t++) {
      const G = gaussianArray(m * dIn, rand);
      const grad = uploadBlocks(ctx, G, 'G');
      decoderRowsStep(ctx, { slots: slotsOf(decoder, grad, moment1, moment2), blocks, dIn, trainState: state, coefficients: adamCoefficients(config, t), config });
      const projected = new Float64Array(m * dIn);
      for (let j = 0; j < m; j++) {
        const row = (d: number) => j * dIn + d;
        let dot = 0;
        for (let d = 0; d < dIn; d++) dot += G[row(d)] * w[row(d)];
        let sq = 0;
        for (let d = 0; d < dIn; d++) {
          const g = G[row(d)] - dot * w[row(d)];
          projected[row(d)] = g;
          mm[row(d)] = 0.9 * mm[row(d)] + 0.1 * g;
          vv[row(d)] = 0.999 * vv[row(d)] + 0.001 * g * g;
          w[row(d)] -= (config.lr * (mm[row(d)] / (1 - 0.9 ** t))) / (Math.sqrt(vv[row(d)] / (1 - 0.999 ** t)) + 1e-8);
          sq += w[row(d)] ** 2;
        }
        for (let d = 0; d < dIn; d++) w[row(d)] /= Math.sqrt(sq);
      }
      expectClose(await readBlocks(ctx, grad), projected, 1e-5 * Math.sqrt(dIn));
    }
    expectClose(await readBlocks(ctx, decoder), w, 1e-5);
    expectClose(await readBlocks(ctx, moment1), mm, 1e-6);
    expectClose(await readBlocks(ctx, moment2), vv, 1e-6);

    // Diverged: the gradient is still projected, but the weights and moments stay.
    ctx.write(state, new Uint32Array([1]));
    const before = await readBlocks(ctx, decoder);
    const m1Before = await readBlocks(ctx, moment1);
    const G = gaussianArray(m * dIn, rand);
    const grad = uploadBlocks(ctx, G, 'G3');
    decoderRowsStep(ctx, { slots: slotsOf(decoder, grad, moment1, moment2), blocks, dIn, trainState: state, coefficients: adamCoefficients(config, 3), config });
    expect(await readBlocks(ctx, decoder)).toEqual(before);
    expect(await readBlocks(ctx, moment1)).toEqual(m1Before);
    const g3 = await readBlocks(ctx, grad);
    for (let j = 0; j < m; j++) {
      let dot = 0;
      for (let d = 0; d < dIn; d++) dot += g3[j * dIn + d] * before[j * dIn + d];
      expect(Math.abs(dot)).toBeLessThan(1e-5);
    }
  });

  it('Adam with warm-up and bias correction matches float64 over three steps', async () => {
    const ctx = await testGpu();
    const config = { lr: 0.01, warmupSteps: 2, adamBeta1: 0.9, adamBeta2: 0.99, adamEps: 1e-6 };
    const n = dIn % 4 === 0 ? 1000 : 1001; // the vec4 and the scalar variant
    const rand = seededRandom(4);
    const p0 = gaussianArray(n, rand);
    const param = ctx.upload(p0, 'param');
    const m1 = ctx.createBuffer(n * 4, 'm1');
    const m2 = ctx.createBuffer(n * 4, 'm2');
    const state = ctx.upload(new Uint32Array(TRAIN_STATE.words), 'state');
    const p = Float64Array.from(p0);
    const mm = new Float64Array(n);
    const vv = new Float64Array(n);
    for (let t = 1; t <= 3; t++) {
      const g = gaussianArray(n, rand);
      adamStep(ctx, { param, grad: ctx.upload(g, 'g'), moment1: m1, moment2: m2, n, trainState: state, coefficients: adamCoefficients(config, t), config });
      const lr = config.lr * Math.min(1, t / 2);
      for (let i = 0; i < n; i++) {
        mm[i] = 0.9 * mm[i] + 0.1 * g[i];
        vv[i] = 0.99 * vv[i] + 0.01 * g[i] ** 2;
        p[i] -= (lr * (mm[i] / (1 - 0.9 ** t))) / (Math.sqrt(vv[i] / (1 - 0.99 ** t)) + 1e-6);
      }
    }
    expectClose(await ctx.readF32(param), p, 1e-6);
    expectClose(await ctx.readF32(m1), mm, 1e-6);
    expectClose(await ctx.readF32(m2), vv, 1e-6);
  });

  it('geometric median (Weiszfeld) and mean match float64', async () => {
    const ctx = await testGpu();
    const rand = seededRandom(5);
    const n = 41;
    const x = gaussianArray(n * dIn, rand);
    // Outliers pull the mean, not the median.
    for (let d = 0; d < dIn; d++) x[d] += 50;
    const points = ctx.upload(x, 'points');
    for (const iterations of [0, 20]) {
      const out = ctx.createBuffer(dIn * 4, 'median');
      geometricMedian(ctx, { points, rows: n, dIn, iterations, out });
      const y = new Float64Array(dIn);
      let w = new Float64Array(n).fill(1);
      for (let it = 0; it <= iterations; it++) {
        if (it > 0) w = w.map((_, r) => 1 / Math.max(Math.hypot(...Array.from({ length: dIn }, (_, d) => x[r * dIn + d] - y[d])), 1e-12));
        const sw = w.reduce((a, b) => a + b, 0);
        for (let d = 0; d < dIn; d++) {
          let s = 0;
          for (let r = 0; r < n; r++) s += w[r] * x[r * dIn + d];
          y[d] = s / sw;
        }
      }
      expectClose(await ctx.readF32(out), y, 1e-4);
    }
  });

  it('loss, metrics window, divergence flag and gradient seeds match float64', async () => {
    const ctx = await testGpu();
    const rand = seededRandom(6);
    const { active, value } = randomActive(ctx, 7);
    const z = gaussianArray(rows * dIn, rand, 2);
    const recon = gaussianArray(rows * dIn, rand, 2);
    const aux = gaussianArray(rows * dIn, rand, 0.5);
    const buffers = {
      colStats: ctx.createBuffer(dIn * 16, 'colStats'),
      seedSums: ctx.createBuffer(dIn * 4, 'seedSums'),
      scalars: ctx.createBuffer(16, 'scalars'),
      losses: ctx.createBuffer(3 * 16, 'losses'),
      trainState: ctx.createBuffer(TRAIN_STATE.words * 4, 'trainState'),
      window: ctx.createBuffer(3 * dIn * 4, 'window'),
    };
    const reconBuf = ctx.upload(recon, 'recon');
    const auxBuf = ctx.upload(aux, 'aux');
    const args = { z: ctx.upload(z, 'z'), recon: reconBuf, auxRecon: auxBuf, active, rows, dIn, windowRows: 0, step: 7, slot: 1, auxKWeight: 0.125, l1Coefficient: 0.5, divergenceFactor: 100 };
    recordLoss(ctx, buffers, args);
    let V = 0;
    let E = 0;
    let A = 0;
    const mean = new Float64Array(dIn);
    for (let i = 0; i < rows * dIn; i++) mean[i % dIn] += z[i] / rows;
    for (let i = 0; i < rows * dIn; i++) {
      V += (z[i] - mean[i % dIn]) ** 2;
      E += (recon[i] - z[i]) ** 2;
      A += (aux[i] + recon[i] - z[i]) ** 2;
    }
    const l1 = (0.5 * value.reduce((a, b) => a + b, 0)) / rows;
    const rec = E / V;
    const auxLoss = (0.125 * A) / V;
    expectClose(await ctx.readF32(buffers.losses, 4, 4), [rec + auxLoss + l1, rec, auxLoss, l1], 1e-5);
    expectClose(await ctx.readF32(buffers.scalars, 0, 1), [V], 1e-5 * V);
    const win = await ctx.readF32(buffers.window);
    expectClose(win.subarray(0, dIn), mean, 1e-5);
    expectClose([win.subarray(dIn, 2 * dIn).reduce((a, b) => a + b, 0), win.subarray(2 * dIn).reduce((a, b) => a + b, 0)], [V, E], 1e-5 * V);
    const wantSeed = recon.map((r, i) => (2 * (r - z[i])) / V);
    const wantAux = aux.map((a, i) => (2 * 0.125 * (a + recon[i] - z[i])) / V);
    expectClose(await ctx.readF32(reconBuf), wantSeed, 1e-6);
    const wantSeedSums = new Float64Array(dIn);
    wantSeed.forEach((g, i) => (wantSeedSums[i % dIn] += g));
    expectClose(await ctx.readF32(buffers.seedSums), wantSeedSums, 1e-6 * rows);
    expectClose(await ctx.readF32(auxBuf), wantAux, 1e-6);
    const state = await ctx.readU32(buffers.trainState);
    expect([state[TRAIN_STATE.diverged], state[TRAIN_STATE.healthySeen], state[TRAIN_STATE.windowActive]]).toEqual([0, 1, value.length]);

    // A NaN input trips the flag with the step and the loss; later steps leave it alone.
    const zNaN = z.slice();
    zNaN[5] = NaN;
    recordLoss(ctx, buffers, { ...args, z: ctx.upload(zNaN, 'zNaN'), step: 8 });
    recordLoss(ctx, buffers, { ...args, step: 9 });
    const after = await ctx.readU32(buffers.trainState);
    expect([after[TRAIN_STATE.diverged], after[TRAIN_STATE.divergedStep], after[TRAIN_STATE.healthySeen]]).toEqual([1, 8, 1]);
    expect(new Float32Array(after.buffer)[TRAIN_STATE.divergedLoss]).toBeNaN();

    // An exploding loss (> factor × the running median) trips it too.
    const ring = new Uint32Array(TRAIN_STATE.words);
    ring[TRAIN_STATE.healthySeen] = LOSS_HISTORY + 3;
    new Float32Array(ring.buffer).fill(0.001, TRAIN_STATE.ring, TRAIN_STATE.ring + LOSS_HISTORY);
    ctx.write(buffers.trainState, ring);
    recordLoss(ctx, buffers, { ...args, recon: ctx.upload(recon, 'recon2'), auxRecon: ctx.upload(aux, 'aux2'), step: 10 });
    const exploded = await ctx.readU32(buffers.trainState);
    expect([exploded[TRAIN_STATE.diverged], exploded[TRAIN_STATE.divergedStep]]).toEqual([1, 10]);
  });

  it('bookkeeping: idle tokens, fires and the BatchTopK threshold EMA', async () => {
    const ctx = await testGpu();
    const count = new Uint32Array(m).map((_, j) => (j % 3 === 0 ? j : 0));
    const idle0 = new Uint32Array(m).map((_, j) => (j === 1 ? 0xffffffff - 5 : j * 10));
    const buffers = {
      latentStart: ctx.upload(Uint32Array.from({ length: m + 1 }, (_, j) => count.subarray(0, j).reduce((a, b) => a + b, 0)), 'latentStart'),
      selectState: ctx.upload(new Uint32Array([new Uint32Array(new Float32Array([0.5]).buffer)[0], 0, 0, 1]), 'select'),
      trainState: ctx.upload(new Uint32Array(TRAIN_STATE.words), 'trainState'),
      idle: ctx.upload(idle0, 'idle'),
      fires: ctx.upload(new Uint32Array(m).fill(1), 'fires'),
      threshold: ctx.upload(new Float32Array([0, 0]), 'threshold'),
    };
    const run = () => recordBookkeeping(ctx, { ...buffers, latents: m, rows, updateThreshold: true, decay: 0.75 });
    run();
    const idle = await ctx.readU32(buffers.idle);
    expect(Array.from(idle)).toEqual(Array.from(idle0, (v, j) => (count[j] > 0 ? 0 : j === 1 ? 0xffffffff : v + rows)));
    expect(Array.from(await ctx.readU32(buffers.fires))).toEqual(Array.from(count, (c) => c + 1));
    expect(Array.from(await ctx.readF32(buffers.threshold))).toEqual([0.5, 1]);
    ctx.write(buffers.selectState, new Uint32Array([new Uint32Array(new Float32Array([1.5]).buffer)[0]]));
    run();
    expect((await ctx.readF32(buffers.threshold))[0]).toBeCloseTo(0.75 * 0.5 + 0.25 * 1.5, 6);
  });
});
