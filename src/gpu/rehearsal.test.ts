import { describe, expect, it } from 'vitest';
import { fitDynamics, type TrajectoryImages } from '../dynamics/fit-dynamics';
import { matmul } from '../linalg/matmul';
import { resolveSaeConfig } from '../sae/sae-config';
import { SaeTrainer } from '../sae/train/trainer';
import { gaussianArray, seededRandom } from './random';
import { prewarmFor, rehearse } from './rehearsal';
import { testGpu } from './test-gpu';

/** A trajectory source with the sizes of a real one and zeros for data: all a rehearsal needs. */
const standIn = (N: number, S: number, P: number, d: number): TrajectoryImages => ({
  N,
  S,
  P,
  d,
  readImages: async (n0, n1) => new Float32Array((n1 - n0) * S * P * d),
});

/** Compilations recorded by the cache after `from` (what a first dispatch waited on). */
const dispatchCompilesSince = (compiles: { when: string; key: string }[], from: number) => compiles.slice(from).filter((c) => c.when === 'dispatch').map((c) => c.key);

describe('rehearse', () => {
  it('lists the pipelines of the work without running or compiling anything, and reads zeros', async () => {
    const ctx = await testGpu();
    const compiled = ctx.pipelines.compiles.length;
    let read: Float32Array | undefined;
    const { keys, error } = await rehearse(ctx, async (dry) => {
      const a = dry.createBuffer(4 * 36 * 44, 'a');
      const c = dry.upload(new Float32Array(36 * 36), 'c');
      expect(a.size).toBe(4 * 36 * 44);
      matmul(dry, { a, b: a, c, m: 36, n: 36, k: 44, layout: 'tn' });
      matmul(dry, { a, b: a, c, m: 36, n: 36, k: 44, layout: 'tn' });
      read = await dry.readF32(c);
    });
    expect(error).toBeUndefined();
    expect(keys.map((k) => [k.shader, k.constants?.TRANS_A, k.constants?.VEC4_A, k.constants?.EDGE])).toEqual([
      ['matmul', 1, 1, 0],
      ['matmul', 1, 1, 1],
    ]);
    expect(read).toEqual(new Float32Array(36 * 36));
    expect(keys.every((k) => !ctx.pipelines.has(k))).toBe(true);
    expect(ctx.pipelines.compiles.length).toBe(compiled);
  });

  it('hands back what the work threw, with the pipelines dispatched before it', async () => {
    const ctx = await testGpu();
    const { keys, error } = await rehearse(ctx, (dry) => {
      const a = dry.createBuffer(64, 'a');
      matmul(dry, { a, b: a, c: dry.createBuffer(64, 'c'), m: 2, n: 2, k: 2 });
      throw new Error('stopped on zeros');
    });
    expect(keys).toHaveLength(2);
    expect(String(error)).toMatch(/stopped on zeros/);
  });
});

describe('PipelineCache.prewarm', () => {
  for (const compileAsync of [true, false]) {
    it(`${compileAsync ? 'async' : 'sync when idle'}: once per pipeline; ready() waits for it; failures name the pipeline`, async () => {
      const ctx = await testGpu();
      const saved = ctx.pipelines.compileAsync;
      ctx.pipelines.compileAsync = compileAsync;
      try {
        const key = { shader: 'column-means', constants: { WG_X: 32, WG_Y: compileAsync ? 2 : 1 } };
        const key2 = { shader: 'column-means', constants: { WG_X: 16, WG_Y: compileAsync ? 4 : 8 } };
        const from = ctx.pipelines.compiles.length;
        const first = ctx.pipelines.prewarm([key, key, key2]);
        const again = ctx.pipelines.prewarm([key2]);
        await ctx.pipelines.ready();
        await Promise.all([first, again]);
        expect([ctx.pipelines.has(key), ctx.pipelines.has(key2)]).toEqual([true, true]);
        expect(ctx.pipelines.compiles.slice(from).map((c) => [c.when, c.api])).toEqual([
          ['prewarm', compileAsync ? 'async' : 'sync'],
          ['prewarm', compileAsync ? 'async' : 'sync'],
        ]);
        await expect(ctx.pipelines.prewarm([{ shader: 'fill-u32', constants: { NO_SUCH_CONSTANT: 1 } }])).rejects.toThrow(/pipeline fill-u32\|main\|NO_SUCH_CONSTANT=1/);
        await expect(ctx.pipelines.prewarm([{ shader: 'no-such-kernel' }])).rejects.toThrow(/No shader named "no-such-kernel"/);
        await ctx.pipelines.ready();
      } finally {
        ctx.pipelines.compileAsync = saved;
      }
    });
  }
});

describe('prewarmFor a flow', () => {
  it('fitDynamics: after prewarming on a stand-in source of the same sizes, the fit compiles nothing', async () => {
    const ctx = await testGpu();
    const [N, S, P, d] = [6, 3, 5, 12];
    const { error } = await prewarmFor(ctx, (dry) => fitDynamics(dry, standIn(N, S, P, d), { variant: 'full' }));
    // On zeros the λ grid has nothing to choose from; everything up to the choice is listed.
    expect(String(error ?? '')).toMatch(/^$|λ|lambda/);
    const from = ctx.pipelines.compiles.length;
    const rand = seededRandom(3);
    const data = gaussianArray(N * S * P * d, rand);
    const source: TrajectoryImages = { N, S, P, d, readImages: async (n0, n1) => data.slice(n0 * S * P * d, n1 * S * P * d) };
    const model = await fitDynamics(ctx, source, { variant: 'full' });
    expect(model.r2.every(Number.isFinite)).toBe(true);
    expect(dispatchCompilesSince(ctx.pipelines.compiles, from)).toEqual([]);
  });

  it('SaeTrainer: two rehearsed steps (the first initialises b_dec) cover a real run', async () => {
    const ctx = await testGpu();
    const config = resolveSaeConfig({ dIn: 24, latents: 50, batchSize: 33, k: 4, auxK: 6, deadAfterTokens: 33, activation: 'batchtopk', metricsEvery: 2 });
    const { error } = await prewarmFor(ctx, async (dry) => {
      const trainer = SaeTrainer.create(dry, config);
      const batch = dry.createBuffer(config.batchSize * config.dIn * 4, 'batch');
      await trainer.step(batch);
      await trainer.step(batch);
    });
    expect(error).toBeUndefined();
    const from = ctx.pipelines.compiles.length;
    const trainer = SaeTrainer.create(ctx, config);
    const rand = seededRandom(4);
    for (let i = 0; i < 3; i++) await trainer.step(ctx.upload(gaussianArray(config.batchSize * config.dIn, rand), `batch${i}`));
    expect(dispatchCompilesSince(ctx.pipelines.compiles, from)).toEqual([]);
    trainer.destroy();
  });
});
