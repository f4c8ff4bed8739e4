import { beforeAll, describe, expect, it } from 'vitest';
import type { GpuContext } from '../../gpu/context';
import { gaussianArray, seededRandom } from '../../gpu/random';
import { testGpu, testGpuAs } from '../../gpu/test-gpu';
import { planLatentBlocks } from '../latent-blocks';
import type { ActiveSet } from '../topk';
import { adamCoefficients, adamStep, decoderRowsStep } from './adam';
import { bDecGradient } from './bias-grad';
import { recordBookkeeping } from './bookkeeping';
import { LatentLists } from './csc';
import { decoderDots } from './decoder-dots';
import { decoderError, type DecoderLayout } from './decoder-error';
import { geometricMedian } from './geometric-median';
import { latentGradients } from './latent-grad';
import { createLossBuffers, LOSS_HISTORY, recordLoss, TRAIN_STATE } from './loss';
import { decodeChunks, DECODE_ROWS_PER_THREAD, DECODE_STAT_SLOTS, sparseDecode } from '../forward';

/**
 * Set per describe: 29 and 263 run the Lane kernels' scalar variants, 32 and 524 their vec4 ones (laneKernel);
 * 263 and 524 give the latent gradients several workgroups a latent (a thread takes two of 132 or 66 Lanes).
 */
let dIn = 29;
const m = 67;
const rows = 33;
const defaultRows = rows;
/** Blocks of 25 latents: the widest per-latent tensor has 33 floats. */
const blocks = planLatentBlocks(m, rows, 25 * rows * 4);

/** A random CSR active set: 0..most − 1 ascending latents per row, one empty row, one empty latent range. */
function randomActive(ctx: GpuContext, seed: number, rows = defaultRows, most = 8) {
  const rand = seededRandom(seed);
  const rowStart = [0];
  const latent: number[] = [];
  const value: number[] = [];
  const row: number[] = [];
  for (let r = 0; r < rows; r++) {
    const n = r === 2 ? 0 : Math.floor(rand() * most);
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

/**
 * Latent j's list holds (row, f · s, s · dot + add, CSR position) of its entries, rows ascending;
 * returns each entry's s · dot + add (∂L/∂pre) as the lists hold it.
 */
async function expectLists(ctx: GpuContext, lists: LatentLists, entries: { latent: number[]; value: number[]; row: number[] }, dots: ArrayLike<number>, s: number, add: number) {
  const { latent, value, row } = entries;
  const start = await ctx.readU32(lists.start);
  const items = await ctx.readU32(lists.items, 0, 4 * latent.length);
  const floats = new Float32Array(items.buffer);
  const weights = new Float32Array(latent.length);
  for (let j = 0; j < m; j++) {
    const got = [];
    for (let q = start[j * lists.stride]; q < start[(j + 1) * lists.stride]; q++) {
      got.push([items[4 * q], floats[4 * q + 1], items[4 * q + 3]]);
      weights[items[4 * q + 3]] = floats[4 * q + 2];
    }
    expect(got).toEqual(latent.flatMap((l, p) => (l === j ? [[row[p], Math.fround(Math.fround(s) * value[p]), p]] : [])));
  }
  // f32 s · dot + add, fused or not.
  expectClose(weights, Array.from(latent, (_, p) => s * dots[p] + add), 1e-6 * 8);
  return weights;
}

function expectClose(got: ArrayLike<number>, want: ArrayLike<number>, tol: number) {
  expect(got.length).toBe(want.length);
  let worst = 0;
  for (let i = 0; i < want.length; i++) worst = Math.max(worst, Math.abs(got[i] - want[i]) / tol);
  expect(worst).toBeLessThan(1);
}

/** Each entry's W[latent p] · vecs[row p] in float64. */
function decoderDotsOf(W: ArrayLike<number>, vecs: ArrayLike<number>, entries: { latent: number[]; row: number[] }): Float64Array {
  return Float64Array.from(entries.latent, (j, p) => {
    let dot = 0;
    for (let d = 0; d < dIn; d++) dot += W[j * dIn + d] * vecs[entries.row[p] * dIn + d];
    return dot;
  });
}

describe.each([29, 32, 263, 524])('SAE backward kernels, dIn %i', (width) => {
  beforeAll(() => {
    dIn = width;
  });

  // Workgroups of CPU_WORKGROUP threads on a CPU adapter (the lists' chunks, grad b_dec's columns), of 64 on a GPU.
  it.each(['cpu', 'gpu'] as const)('per-latent lists, activation gradients, the per-latent gradients and grad b_dec match float64 on a %s', async (adapter) => {
    const ctx = await testGpuAs(adapter);
    const { active, rowStart, latent, value, row } = randomActive(ctx, 1);
    const rand = seededRandom(2);
    const W = gaussianArray(m * dIn, rand);
    const encT = gaussianArray(m * dIn, rand);
    const errors = gaussianArray(rows * dIn, rand);
    const z = gaussianArray(rows * dIn, rand, 2);
    const bDec = gaussianArray(dIn, rand);
    const decoder = uploadBlocks(ctx, W, 'W');
    const encoder = uploadBlocks(ctx, encT, 'encT');
    const errorsBuf = ctx.upload(errors, 'errors');
    const nnz = latent.length;
    // The seed scale factor · 2 / V: V = 4 in scalars[0], factor 0.5.
    const scale = { scalars: ctx.upload(new Float32Array([4, 0, 0, 0]), 'scalars'), factor: 0.5 };
    const s = 0.25;

    // The decoder dots W[latent p] · errors[row p] (∂L/∂f before the seed scale).
    const dotsBuf = ctx.createBuffer(active.capacity * 4, 'dots');
    decoderDots(ctx, { decoder, blocks, dIn, active, vecs: errorsBuf, out: dotsBuf });
    const dots = await ctx.readF32(dotsBuf, 0, nnz);
    expectClose(dots, decoderDotsOf(W, errors, { latent, row }), 1e-5 * Math.sqrt(dIn) * 4);

    // Lists by latent: (row, f · s, ∂L/∂pre = s · dot + add, CSR position) in row order.
    const lists = new LatentLists(ctx, active, 'lists');
    lists.build(dotsBuf, scale, 0.25);
    const gotG = await expectLists(ctx, lists, { latent, value, row }, dots, s, 0.25);

    // The per-latent gradients, added to what the outputs held (accumulate).
    const gradDec = blocks.blocks.map((b, i) => ctx.upload(new Float32Array(b.count * dIn).fill(1), `gradDec.${i}`));
    const gradEnc = blocks.blocks.map((b, i) => ctx.upload(new Float32Array(b.count * dIn).fill(-1), `gradEnc.${i}`));
    const sums = ctx.upload(new Float32Array(m).fill(2), 'sums');
    latentGradients(ctx, { lists, blocks, dIn, errors: errorsBuf, z: ctx.upload(z, 'z'), bDec: ctx.upload(bDec, 'bDec'), gradDec, gradEnc, gradBEnc: sums, accumulate: true });
    const wantDec = new Float64Array(m * dIn).fill(1);
    const wantEnc = new Float64Array(m * dIn).fill(-1);
    const wantSums = new Float64Array(m).fill(2);
    latent.forEach((j, p) => {
      wantSums[j] += gotG[p];
      for (let d = 0; d < dIn; d++) {
        wantDec[j * dIn + d] += s * value[p] * errors[row[p] * dIn + d];
        wantEnc[j * dIn + d] += gotG[p] * (z[row[p] * dIn + d] - bDec[d]);
      }
    });
    expectClose(await readBlocks(ctx, gradDec), wantDec, 1e-5 * 8);
    expectClose(await readBlocks(ctx, gradEnc), wantEnc, 1e-5 * 8 * 4);
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

  // The rows' short sweep from 1 to 4 entries wide, unsorted and sorted: the width only decides which rows take it.
  it.each([
    ['lanes', { kind: 'lanes' }],
    ['rows, short sweep 4', { kind: 'rows', short: 4, sorted: false }],
    ['rows, short sweep 3', { kind: 'rows', short: 3, sorted: false }],
    ['rows, short sweep 1', { kind: 'rows', short: 1, sorted: false }],
    ['rows sorted, short sweep 4', { kind: 'rows', short: 4, sorted: true }],
    ['rows sorted, short sweep 2', { kind: 'rows', short: 2, sorted: true }],
  ] satisfies [string, DecoderLayout][])("decoderError, '%s' layout: e and AuxK's e + ê, their column sums and their entries' dots match float64, past capacity dropped", async (_name, layout) => {
    const ctx = await testGpu();
    // 70 rows: two workgroups of the rows layouts, the second part-full; chunks of 16 rows and a last of 6 for
    // the column sums; W_dec in one binding (the rows layouts need it).
    const n = 70;
    const one = planLatentBlocks(m, Math.max(n, dIn), m * Math.max(n, dIn) * 4);
    expect(one.blocks.length).toBe(1);
    const rand = seededRandom(21);
    // Rows of 0 to 12 entries: each layout's one sweep and its longer rows.
    const main = randomActive(ctx, 22, n, 13);
    const aux = randomActive(ctx, 23, n, 13);
    // The main set's capacity keeps all but its last 6 entries.
    const kept = main.latent.length - 6;
    const z = gaussianArray(n * dIn, rand, 2);
    const W = gaussianArray(m * dIn, rand);
    const b = gaussianArray(dIn, rand);
    const common = { layout, decoder: [ctx.upload(W, 'W')], blocks: one, dIn };
    const stats = ctx.createBuffer(decodeChunks(n) * DECODE_STAT_SLOTS * dIn * 4, 'stats');
    const error = ctx.createBuffer(n * dIn * 4, 'error');
    const auxError = ctx.createBuffer(n * dIn * 4, 'auxError');
    const dots = ctx.createBuffer(main.active.capacity * 4, 'dots');
    const auxDots = ctx.createBuffer(aux.active.capacity * 4, 'auxDots');
    const active = { ...main.active, capacity: kept };
    decoderError(ctx, { ...common, active, bias: ctx.upload(b, 'bDec'), rows: { x: ctx.upload(z, 'z'), sign: -1 }, stats: { buffer: stats, of: 'error' }, out: error, dots });
    decoderError(ctx, { ...common, active: aux.active, bias: null, rows: { x: error, sign: 1 }, stats: { buffer: stats, of: 'aux' }, out: auxError, dots: auxDots });

    const entries = (a: typeof main, count: number) => ({ latent: a.latent.slice(0, count), row: a.row.slice(0, count), value: a.value.slice(0, count) });
    const decoded = (a: ReturnType<typeof entries>) => {
      const out = new Float64Array(n * dIn);
      a.latent.forEach((j, p) => {
        for (let d = 0; d < dIn; d++) out[a.row[p] * dIn + d] += a.value[p] * W[j * dIn + d];
      });
      return out;
    };
    const mainKept = entries(main, kept);
    const auxAll = entries(aux, aux.latent.length);
    const e = decoded(mainKept).map((x, i) => x + b[i % dIn] - z[i]);
    const ea = decoded(auxAll).map((x, i) => x + e[i]);
    expectClose(await ctx.readF32(error), e, 1e-5 * 8);
    expectClose(await ctx.readF32(auxError), ea, 1e-5 * 8);
    expectClose(await ctx.readF32(dots, 0, kept), decoderDotsOf(W, e, mainKept), 1e-5 * Math.sqrt(dIn) * 16);
    expectClose(await ctx.readF32(auxDots, 0, auxAll.latent.length), decoderDotsOf(W, ea, auxAll), 1e-5 * Math.sqrt(dIn) * 16);

    // Per chunk and column: Σ (z − b), Σ (z − b)², Σ e², Σ e, Σ (e + ê)².
    const want = new Float64Array(decodeChunks(n) * DECODE_STAT_SLOTS * dIn);
    for (let r = 0; r < n; r++) {
      for (let d = 0; d < dIn; d++) {
        const at = Math.floor(r / DECODE_ROWS_PER_THREAD) * DECODE_STAT_SLOTS * dIn + d;
        const i = r * dIn + d;
        const c = z[i] - b[d];
        [c, c * c, e[i] ** 2, e[i], ea[i] ** 2].forEach((v, slot) => (want[at + slot * dIn] += v));
      }
    }
    expectClose(await ctx.readF32(stats), want, 1e-5 * 16 * 8);
  });

  // 19 chunks of rows: one workgroup on a GPU, five of CPU_WORKGROUP threads on a CPU adapter.
  it.each(['cpu', 'gpu'] as const)('per-latent lists over several chunks of rows (300 rows) on a %s, rebuilt', async (adapter) => {
    const ctx = await testGpuAs(adapter);
    const { active, latent, value, row } = randomActive(ctx, 8, 300);
    const weight = gaussianArray(active.capacity, seededRandom(9));
    const scale = { scalars: ctx.upload(new Float32Array([2, 0, 0, 0]), 'scalars'), factor: 3 };
    const lists = new LatentLists(ctx, active, 'lists300');
    // Twice: the first build must leave its counters as it found them.
    for (let round = 0; round < 2; round++) {
      lists.build(ctx.upload(weight, 'weight'), scale);
      await expectLists(ctx, lists, { latent, value, row }, weight, 3, 0);
    }
  });

  // Blocks of 25, 25 and 17 rows: one workgroup each on a GPU, up to seven of CPU_WORKGROUP threads on a CPU adapter.
  it.each(['cpu', 'gpu'] as const)('steps W_dec rows on a %s: the gradient loses its component along each row, Adam, the row back to unit norm (unless diverged), as float64 over two steps', async (adapter) => {
    const ctx = await testGpuAs(adapter);
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

  // Workgroups sized to the tensor: 16 threads (1 and 10 Lanes), 64 (50), 256 (250), two of 256 (257); n % 4 picks the vec4 or the scalar variant.
  it.each([1, 7, 40, 200, 1000, 1001, 1028])('Adam with warm-up and bias correction matches float64 over three steps, n = %i', async (n) => {
    const ctx = await testGpu();
    const config = { lr: 0.01, warmupSteps: 2, adamBeta1: 0.9, adamBeta2: 0.99, adamEps: 1e-6 };
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

  it("the decoder's errors and column sums, the loss, metrics window and divergence flag match float64", async () => {
    const ctx = await testGpu();
    const rand = seededRandom(6);
    const main = randomActive(ctx, 7);
    const aux = randomActive(ctx, 10);
    const z = gaussianArray(rows * dIn, rand, 2);
    const W = gaussianArray(m * dIn, rand);
    const b = gaussianArray(dIn, rand);
    const decoder = uploadBlocks(ctx, W, 'W');
    const bDec = ctx.upload(b, 'bDec');
    const buffers = createLossBuffers(ctx, rows, dIn, 3);
    const error = ctx.createBuffer(rows * dIn * 4, 'error');
    const auxError = ctx.createBuffer(rows * dIn * 4, 'auxError');
    const args = { bDec, active: main.active, rows, dIn, windowRows: 0, step: 7, slot: 1, auxKWeight: 0.125, l1Coefficient: 0.5, divergenceFactor: 100 };
    // The trainer's order: e = ẑ − z with its column sums, AuxK's e + ê with its, then the loss.
    const lossOf = (zBuf: GPUBuffer, step: number) => {
      const stats = buffers.decodeStats;
      sparseDecode(ctx, { decoder, blocks, dIn, active: main.active, bias: bDec, rows: { x: zBuf, sign: -1 }, stats: { buffer: stats, of: 'error' }, out: error });
      sparseDecode(ctx, { decoder, blocks, dIn, active: aux.active, bias: null, rows: { x: error, sign: 1 }, stats: { buffer: stats, of: 'aux' }, out: auxError });
      recordLoss(ctx, buffers, { ...args, step });
    };
    const zBuf = ctx.upload(z, 'z');
    lossOf(zBuf, 7);

    const sparseRows = (a: typeof main) => {
      const out = new Float64Array(rows * dIn);
      a.latent.forEach((j, p) => {
        for (let d = 0; d < dIn; d++) out[a.row[p] * dIn + d] += a.value[p] * W[j * dIn + d];
      });
      return out;
    };
    const e = sparseRows(main).map((x, i) => x + b[i % dIn] - z[i]);
    const ea = sparseRows(aux).map((x, i) => x + e[i]);
    expectClose(await ctx.readF32(error), e, 1e-5 * 8);
    expectClose(await ctx.readF32(auxError), ea, 1e-5 * 8);
    let V = 0;
    let E = 0;
    let A = 0;
    const mean = new Float64Array(dIn);
    for (let i = 0; i < rows * dIn; i++) mean[i % dIn] += z[i] / rows;
    for (let i = 0; i < rows * dIn; i++) {
      V += (z[i] - mean[i % dIn]) ** 2;
      E += e[i] ** 2;
      A += ea[i] ** 2;
    }
    const l1 = (0.5 * main.value.reduce((x, y) => x + y, 0)) / rows;
    const rec = E / V;
    const auxLoss = (0.125 * A) / V;
    expectClose(await ctx.readF32(buffers.losses, 4, 4), [rec + auxLoss + l1, rec, auxLoss, l1], 1e-5);
    expectClose(await ctx.readF32(buffers.scalars, 0, 1), [V], 1e-5 * V);
    const win = await ctx.readF32(buffers.window);
    expectClose(win.subarray(0, dIn), mean, 1e-5);
    expectClose([win.subarray(dIn, 2 * dIn).reduce((x, y) => x + y, 0), win.subarray(2 * dIn).reduce((x, y) => x + y, 0)], [V, E], 1e-5 * V);
    // Σ_r ∂L/∂ẑ_r = 2/V Σ_r e_r.
    const wantSeedSums = new Float64Array(dIn);
    e.forEach((x, i) => (wantSeedSums[i % dIn] += (2 * x) / V));
    expectClose(await ctx.readF32(buffers.seedSums), wantSeedSums, 1e-6 * rows);
    const state = await ctx.readU32(buffers.trainState);
    expect([state[TRAIN_STATE.diverged], state[TRAIN_STATE.healthySeen], state[TRAIN_STATE.windowActive]]).toEqual([0, 1, main.value.length]);

    // A NaN input trips the flag with the step and the loss; later steps leave it alone.
    const zNaN = z.slice();
    zNaN[5] = NaN;
    lossOf(ctx.upload(zNaN, 'zNaN'), 8);
    lossOf(zBuf, 9);
    const after = await ctx.readU32(buffers.trainState);
    expect([after[TRAIN_STATE.diverged], after[TRAIN_STATE.divergedStep], after[TRAIN_STATE.healthySeen]]).toEqual([1, 8, 1]);
    expect(new Float32Array(after.buffer)[TRAIN_STATE.divergedLoss]).toBeNaN();

    // An exploding loss (> factor × the running median) trips it too.
    const ring = new Uint32Array(TRAIN_STATE.words);
    ring[TRAIN_STATE.healthySeen] = LOSS_HISTORY + 3;
    new Float32Array(ring.buffer).fill(0.001, TRAIN_STATE.ring, TRAIN_STATE.ring + LOSS_HISTORY);
    ctx.write(buffers.trainState, ring);
    lossOf(zBuf, 10);
    const exploded = await ctx.readU32(buffers.trainState);
    expect([exploded[TRAIN_STATE.diverged], exploded[TRAIN_STATE.divergedStep]]).toEqual([1, 10]);
  });

  // finalize takes its parts four at a time on a CPU adapter, one a thread on a GPU: the same sums, in the same order.
  it("the loss's sums give the same bits on a CPU adapter as on a GPU", async () => {
    const rand = seededRandom(31);
    const main = randomActive(await testGpu(), 32, 150);
    const stats = gaussianArray(decodeChunks(150) * DECODE_STAT_SLOTS * dIn, rand).map(Math.abs);
    const b = gaussianArray(dIn, rand);
    const results = [];
    for (const adapter of ['cpu', 'gpu'] as const) {
      const ctx = await testGpuAs(adapter);
      const buffers = createLossBuffers(ctx, 150, dIn, 3);
      ctx.write(buffers.decodeStats, stats);
      recordLoss(ctx, buffers, { bDec: ctx.upload(b, 'bDec'), active: main.active, rows: 150, dIn, windowRows: 0, step: 1, slot: 0, auxKWeight: 0.5, l1Coefficient: 0.25, divergenceFactor: 100 });
      results.push([await ctx.readU32(buffers.scalars), await ctx.readU32(buffers.losses), await ctx.readU32(buffers.seedSums)]);
    }
    expect(results[0]).toEqual(results[1]);
    expect(new Float32Array(results[0][0].buffer)[0]).toBeGreaterThan(0);
  });

  it('bookkeeping: idle tokens, fires and the BatchTopK threshold EMA', async () => {
    const ctx = await testGpu();
    const count = new Uint32Array(m).map((_, j) => (j % 3 === 0 ? j : 0));
    const idle0 = new Uint32Array(m).map((_, j) => (j === 1 ? 0xffffffff - 5 : j * 10));
    const buffers = {
      // Lists with stride 2 (two chunks of rows): latent j's count is start[2 (j + 1)] − start[2 j].
      listStart: ctx.upload(
        Uint32Array.from({ length: 2 * m + 1 }, (_, i) => {
          const j = Math.floor(i / 2);
          return count.subarray(0, j).reduce((a, b) => a + b, 0) + (i % 2 ? Math.floor(count[j] / 2) : 0);
        }),
        'listStart',
      ),
      listStride: 2,
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
