import { describe, expect, it } from 'vitest';
import type { GpuContext } from '../../gpu/context';
import { gaussianArray, seededRandom } from '../../gpu/random';
import { testGpu } from '../../gpu/test-gpu';
import { SaeEncoder } from '../inference';
import { resolveSaeConfig, type SaeActivation, type SaeConfig } from '../sae-config';
import { SaeTrainer, SaeTrainingDiverged } from './trainer';
import type { SaeCheckpoint } from './training-state';

/** The SAE's parameters as the CPU reference sees them (trainer layout: W_encT and W_dec [m, dIn]). */
interface CpuParams {
  W_encT: Float64Array;
  W_dec: Float64Array;
  b_enc: Float64Array;
  b_dec: Float64Array;
}
type Entry = [row: number, latent: number];

function paramsOf(c: SaeCheckpoint): CpuParams {
  return {
    W_encT: Float64Array.from(c.W_encT),
    W_dec: Float64Array.from(c.W_dec),
    b_enc: Float64Array.from(c.b_enc),
    b_dec: Float64Array.from(c.b_dec),
  };
}

function preActivations(p: CpuParams, z: Float32Array, cfg: SaeConfig): Float64Array {
  const { dIn, latents: m, batchSize: rows } = cfg;
  const pre = new Float64Array(rows * m);
  for (let r = 0; r < rows; r++) {
    for (let j = 0; j < m; j++) {
      let s = p.b_enc[j];
      for (let d = 0; d < dIn; d++) s += (z[r * dIn + d] - p.b_dec[d]) * p.W_encT[j * dIn + d];
      pre[r * m + j] = s;
    }
  }
  return pre;
}

/** Float64 reference of the trainer's selections: positive values only, ties to the earlier index. */
function referenceSets(pre: Float64Array, cfg: SaeConfig, idle: Uint32Array): { act: Entry[]; aux: Entry[] } {
  const { latents: m, batchSize: rows } = cfg;
  const top = (cands: number[], k: number) => cands.sort((a, b) => pre[b] - pre[a] || a - b).slice(0, k);
  const positive = (r: number | null, ok: (j: number) => boolean) => {
    const out: number[] = [];
    for (let i = 0; i < rows * m; i++) if ((r === null || Math.floor(i / m) === r) && pre[i] > 0 && ok(i % m)) out.push(i);
    return out;
  };
  let act: number[] = [];
  if (cfg.activation === 'topk') for (let r = 0; r < rows; r++) act.push(...top(positive(r, () => true), cfg.k));
  else if (cfg.activation === 'batchtopk') act = top(positive(null, () => true), rows * cfg.k);
  else act = positive(null, () => true);
  const aux: number[] = [];
  if (cfg.activation !== 'relu') for (let r = 0; r < rows; r++) aux.push(...top(positive(r, (j) => idle[j] >= cfg.deadAfterTokens), cfg.auxK));
  const entries = (list: number[]) => list.sort((a, b) => a - b).map((i): Entry => [Math.floor(i / m), i % m]);
  return { act: entries(act), aux: entries(aux) };
}

/**
 * The training loss in float64 with the active sets held fixed (TopK is piecewise
 * linear; these are the pieces the backward pass differentiates) and AuxK's target
 * residual held fixed (it is detached). Returns the loss and the residual z − ẑ.
 */
function referenceLoss(p: CpuParams, z: Float32Array, cfg: SaeConfig, sets: { act: Entry[]; aux: Entry[] }, auxTarget?: Float64Array) {
  const { dIn, latents: m, batchSize: rows } = cfg;
  const pre = preActivations(p, z, cfg);
  const recon = new Float64Array(rows * dIn);
  for (let r = 0; r < rows; r++) for (let d = 0; d < dIn; d++) recon[r * dIn + d] = p.b_dec[d];
  let l1 = 0;
  for (const [r, j] of sets.act) {
    const f = pre[r * m + j];
    l1 += f;
    for (let d = 0; d < dIn; d++) recon[r * dIn + d] += f * p.W_dec[j * dIn + d];
  }
  const auxRecon = new Float64Array(rows * dIn);
  for (const [r, j] of sets.aux) for (let d = 0; d < dIn; d++) auxRecon[r * dIn + d] += pre[r * m + j] * p.W_dec[j * dIn + d];
  const mean = new Float64Array(dIn);
  for (let i = 0; i < rows * dIn; i++) mean[i % dIn] += z[i] / rows;
  const residual = new Float64Array(rows * dIn);
  let v = 0;
  let err = 0;
  let aux = 0;
  for (let i = 0; i < rows * dIn; i++) {
    residual[i] = z[i] - recon[i];
    v += (z[i] - mean[i % dIn]) ** 2;
    err += residual[i] ** 2;
  }
  const target = auxTarget ?? residual;
  for (let i = 0; i < rows * dIn; i++) aux += (auxRecon[i] - target[i]) ** 2;
  const auxWeight = cfg.activation === 'relu' ? 0 : cfg.auxKWeight;
  const l1Weight = cfg.activation === 'relu' ? cfg.l1Coefficient : 0;
  return { loss: err / v + (auxWeight * aux) / v + (l1Weight * l1) / rows, residual, fvu: err / v };
}

function uploadBatch(ctx: GpuContext, data: Float32Array): GPUBuffer {
  return ctx.upload(data, 'batch');
}

const base = { dIn: 24, latents: 50, batchSize: 33, k: 4, auxK: 6, deadAfterTokens: 33, warmupSteps: 0, metricsEvery: 1000, bDecInit: 'mean' as const, lr: 1e-3 };

describe('SaeTrainer', () => {
  for (const activation of ['topk', 'batchtopk', 'relu'] as SaeActivation[]) {
    it(`${activation}: the step's gradients match finite differences of the float64 loss`, async () => {
      const ctx = await testGpu();
      const cfg = resolveSaeConfig({ ...base, activation, l1Coefficient: 0.05, seed: 3 });
      const { dIn, latents: m, batchSize: rows } = cfg;
      const rand = seededRandom(17);
      const trainer = SaeTrainer.create(ctx, cfg, { maxBindingBytes: 20 * rows * 4 });
      expect(trainer.model.blocks.blocks.length).toBe(3);
      await trainer.step(uploadBatch(ctx, gaussianArray(rows * dIn, rand)));
      const before = await trainer.checkpoint();
      const z = gaussianArray(rows * dIn, rand);
      await trainer.step(uploadBatch(ctx, z));
      const grads = await trainer.gradients();

      const p = paramsOf(before);
      const sets = referenceSets(preActivations(p, z, cfg), cfg, before.idle as Uint32Array);
      if (activation !== 'relu') expect(sets.aux.length).toBeGreaterThan(0);
      const { residual } = referenceLoss(p, z, cfg, sets);
      const eps = 1e-4;
      const fd = (tensor: keyof CpuParams, i: number) => {
        const x = p[tensor][i];
        p[tensor][i] = x + eps;
        const up = referenceLoss(p, z, cfg, sets, residual).loss;
        p[tensor][i] = x - eps;
        const down = referenceLoss(p, z, cfg, sets, residual).loss;
        p[tensor][i] = x;
        return (up - down) / (2 * eps);
      };
      const check = (got: Float32Array, want: Map<number, number>) => {
        const scale = Math.max(...[...want.values()].map(Math.abs), 1e-3);
        for (const [i, w] of want) expect(Math.abs(got[i] - w) / scale).toBeLessThan(2e-3);
      };
      // Latents touched by this step: two from the main set, two from AuxK's.
      const touched = [...new Set([sets.act[0][1], sets.act[sets.act.length - 1][1], ...sets.aux.slice(0, 2).map((e) => e[1])])];
      check(grads.b_dec, new Map(Array.from({ length: dIn }, (_, d) => [d, fd('b_dec', d)])));
      check(grads.b_enc, new Map(Array.from({ length: m }, (_, j) => [j, fd('b_enc', j)])));
      const encT = new Map<number, number>();
      for (const j of touched) for (let d = 0; d < dIn; d += 3) encT.set(j * dIn + d, fd('W_encT', j * dIn + d));
      check(grads.W_encT, encT);
      // The decoder gradient is reported with its component along the (unit) row removed.
      const dec = new Map<number, number>();
      for (const j of [...touched, (touched[0] + 1) % m]) {
        const row = Array.from({ length: dIn }, (_, d) => fd('W_dec', j * dIn + d));
        const dot = row.reduce((s, g, d) => s + g * p.W_dec[j * dIn + d], 0);
        row.forEach((g, d) => dec.set(j * dIn + d, g - dot * p.W_dec[j * dIn + d]));
      }
      check(grads.W_dec, dec);
      trainer.destroy();
    });
  }

  it('is repeatable: the same seed and batches give the same weights bit for bit, whatever the block split', async () => {
    const ctx = await testGpu();
    const cfg = resolveSaeConfig({ ...base, seed: 5, deadAfterTokens: 66 });
    const run = async (maxBindingBytes?: number) => {
      const trainer = SaeTrainer.create(ctx, cfg, { maxBindingBytes });
      const rand = seededRandom(9);
      for (let s = 0; s < 4; s++) await trainer.step(uploadBatch(ctx, gaussianArray(cfg.batchSize * cfg.dIn, rand)));
      const c = await trainer.checkpoint();
      trainer.destroy();
      return c;
    };
    const a = await run();
    const b = await run();
    const split = await run(20 * cfg.batchSize * 4);
    for (const name of ['W_encT', 'W_dec', 'b_enc', 'b_dec', 'adam.v.W_dec', 'idle', 'threshold']) {
      expect(b[name], name).toEqual(a[name]);
      expect(split[name], `${name} (split)`).toEqual(a[name]);
    }
  });

  it('checkpoint → resume continues identically, also into a different block split', async () => {
    const ctx = await testGpu();
    const cfg = resolveSaeConfig({ ...base, activation: 'batchtopk', seed: 8, metricsEvery: 2 });
    const rand = seededRandom(4);
    const batches = Array.from({ length: 5 }, () => uploadBatch(ctx, gaussianArray(cfg.batchSize * cfg.dIn, rand)));
    const first = SaeTrainer.create(ctx, cfg);
    for (const b of batches.slice(0, 3)) await first.step(b);
    const saved = await first.checkpoint();
    const metricsA = [];
    for (const b of batches.slice(3)) metricsA.push(await first.step(b));
    const second = SaeTrainer.create(ctx, resolveSaeConfig({ ...cfg, seed: 99 }), { maxBindingBytes: 20 * cfg.batchSize * 4 });
    second.resume(saved);
    const metricsB = [];
    for (const b of batches.slice(3)) metricsB.push(await second.step(b));
    expect(metricsB).toEqual(metricsA);
    const a = await first.checkpoint();
    const b = await second.checkpoint();
    expect(Object.keys(b).sort()).toEqual(Object.keys(a).sort());
    for (const name of Object.keys(a)) expect(b[name], name).toEqual(a[name]);
    expect(() => second.resume({ ...saved, b_dec: new Float32Array(3) })).toThrow(/"b_dec" should be f32 with 24 values, but it is Float32Array\(3\)/);
    first.destroy();
    second.destroy();
  });

  it('a NaN batch stops training with SaeTrainingDiverged naming the step, and leaves the last good state', async () => {
    const ctx = await testGpu();
    const cfg = resolveSaeConfig({ ...base, seed: 2, metricsEvery: 2 });
    const rand = seededRandom(6);
    const trainer = SaeTrainer.create(ctx, cfg);
    const batch = () => gaussianArray(cfg.batchSize * cfg.dIn, rand);
    await trainer.step(uploadBatch(ctx, batch()));
    expect(await trainer.step(uploadBatch(ctx, batch()))).not.toBeNull();
    const good = await trainer.checkpoint();
    const poisoned = batch();
    poisoned[100] = NaN;
    expect(await trainer.step(uploadBatch(ctx, poisoned))).toBeNull();
    const error = await trainer.step(uploadBatch(ctx, batch())).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(SaeTrainingDiverged);
    expect((error as SaeTrainingDiverged).step).toBe(3);
    expect((error as Error).message).toMatch(/diverged at step 3: loss = NaN/);
    await expect(trainer.step(uploadBatch(ctx, batch()))).rejects.toBe(error);
    const after = await trainer.checkpoint();
    for (const name of ['W_encT', 'W_dec', 'b_enc', 'b_dec', 'adam.m.W_encT', 'adam.v.b_dec', 'idle', 'threshold']) expect(after[name]).toEqual(good[name]);
    trainer.destroy();
  });

  it('streams FVU, L0, dead and dense fractions as ratios of sums over the window; encode/reconstruct agree', async () => {
    const ctx = await testGpu();
    // A learning rate far below f32 resolution keeps the weights fixed, so the CPU can recompute the window.
    const cfg = resolveSaeConfig({ ...base, activation: 'topk', seed: 4, metricsEvery: 3, lr: 1e-30, deadAfterTokens: 66, denseFraction: 0.2 });
    const { dIn, latents: m, batchSize: rows } = cfg;
    const rand = seededRandom(12);
    const trainer = SaeTrainer.create(ctx, cfg);
    const batches = Array.from({ length: 3 }, (_, s) => gaussianArray(rows * dIn, rand, 1 + s));
    let metrics = null;
    for (const z of batches) metrics = await trainer.step(uploadBatch(ctx, z));
    expect(metrics).not.toBeNull();
    const p = paramsOf(await trainer.checkpoint());
    let err = 0;
    let active = 0;
    const fires = new Uint32Array(m);
    const lastFired = new Int32Array(m).fill(-1);
    const all = new Float64Array(3 * rows * dIn);
    batches.forEach((z, s) => {
      all.set(z, s * rows * dIn);
      const sets = referenceSets(preActivations(p, z, cfg), cfg, new Uint32Array(m));
      const { residual } = referenceLoss(p, z, cfg, sets);
      for (const x of residual) err += x * x;
      active += sets.act.length;
      for (const [, j] of sets.act) {
        fires[j]++;
        lastFired[j] = s;
      }
    });
    const mean = new Float64Array(dIn);
    for (let i = 0; i < all.length; i++) mean[i % dIn] += all[i] / (3 * rows);
    let variance = 0;
    for (let i = 0; i < all.length; i++) variance += (all[i] - mean[i % dIn]) ** 2;
    const dead = Array.from(lastFired).filter((s) => (2 - s) * rows >= 66).length;
    const dense = Array.from(fires).filter((f) => f > 0.2 * 3 * rows).length;
    expect(metrics!.fvu).toBeCloseTo(err / variance, 4);
    expect(metrics!.l0).toBe(active / (3 * rows));
    expect(metrics!.deadFraction).toBe(dead / m);
    expect(metrics!.denseFraction).toBe(dense / m);
    expect(metrics!.stepLosses).toHaveLength(3);
    expect(metrics!.tokens).toBe(3 * rows);

    // Inference: TopK codes and the reconstruction of the last batch.
    const encoder = new SaeEncoder(ctx, trainer.model, rows);
    const z = batches[2];
    const recon = await ctx.readF32(await encoder.reconstruct(uploadBatch(ctx, z)));
    const sets = referenceSets(preActivations(p, z, cfg), cfg, new Uint32Array(m));
    const { residual } = referenceLoss(p, z, cfg, sets);
    for (let i = 0; i < rows * dIn; i++) expect(Math.abs(recon[i] - (z[i] - residual[i]))).toBeLessThan(1e-4);
    encoder.destroy();
    trainer.destroy();
  });
});
