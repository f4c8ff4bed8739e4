import { describe, expect, it } from 'vitest';
import { gaussianArray, seededRandom } from '../gpu/random';
import { testGpu } from '../gpu/test-gpu';
import { DYNAMICS_VARIANTS, type DynamicsVariant } from './dynamics-file';
import { uploadDynamics } from './gpu-dynamics';
import { Residualizer } from './residualize';
import { invertRef, randomModel, residualizeRef } from './test-reference';

const EPS32 = 2 ** -23;

const relErr = (got: ArrayLike<number>, want: ArrayLike<number>) => {
  let num = 0;
  let den = 0;
  for (let i = 0; i < want.length; i++) {
    num += (got[i] - want[i]) ** 2;
    den += want[i] ** 2;
  }
  return Math.sqrt(num / den);
};

async function setup(variant: DynamicsVariant, S: number, d: number, tokens: number, seed: number) {
  const ctx = await testGpu();
  const model = randomModel(variant, S, d, seed);
  const dyn = uploadDynamics(ctx, model);
  const res = new Residualizer(ctx, dyn, tokens + 3);
  const x = gaussianArray(tokens * S * d, seededRandom(seed + 1), 2);
  const bytes = x.byteLength;
  const buffers = { x: ctx.upload(x, 'x'), z: ctx.createBuffer(bytes, 'z'), back: ctx.createBuffer(bytes, 'back') };
  const done = () => {
    res.destroy();
    dyn.destroy();
    Object.values(buffers).forEach((b) => b.destroy());
  };
  return { ctx, model, res, host: x, ...buffers, done };
}

const cases: Array<[DynamicsVariant, number, number, number]> = DYNAMICS_VARIANTS.flatMap((v, i) => [
  [v, 3 + (i % 3), 5 + 6 * i, 67] as [DynamicsVariant, number, number, number],
]);
cases.push(['full', 5, 33, 130]);

describe('Residualizer', () => {
  it.each(cases)('%s, S = %i, d = %i, %i tokens: residualize matches float64; the inverse round-trips', async (variant, S, d, tokens) => {
    const { ctx, model, res, host: x, ...b } = await setup(variant, S, d, tokens, 100 + S * d);
    res.residualize({ x: b.x, z: b.z, tokens });
    res.invert({ z: b.z, x: b.back, tokens });
    const z = await ctx.readF32(b.z, 0, x.length);
    const back = await ctx.readF32(b.back, 0, x.length);
    b.done();

    const want = residualizeRef(model, x, tokens);
    for (let i = 0; i < x.length; i++) {
      expect(Math.abs(z[i] - want.z[i])).toBeLessThanOrEqual(4 * Math.sqrt(d) * EPS32 * want.bound[i] + 1e-30);
    }
    expect(relErr(back, x)).toBeLessThan(1e-5);
  });

  it.each(DYNAMICS_VARIANTS)('%s: the free-running, linear and teacher-forced inverses match float64', async (variant) => {
    const [S, d, tokens] = [4, 13, 45];
    const { ctx, model, res, host: x, ...b } = await setup(variant, S, d, tokens, 7);
    // x doubles as a random ẑ here; the recorded trajectories come from another seed.
    const recorded = gaussianArray(x.length, seededRandom(8), 1);
    const rec = ctx.upload(recorded, 'recorded');
    const linear = ctx.createBuffer(x.byteLength, 'linear');
    res.invert({ z: b.x, x: b.back, tokens });
    res.invert({ z: b.x, x: linear, tokens, affine: false });
    res.teacherForced({ x: rec, zHat: b.x, xHat: b.z, tokens });
    const free = await ctx.readF32(b.back, 0, x.length);
    const lin = await ctx.readF32(linear, 0, x.length);
    const forced = await ctx.readF32(b.z, 0, x.length);
    b.done();
    rec.destroy();
    linear.destroy();

    expect(relErr(free, invertRef(model, x, tokens, true))).toBeLessThan(1e-5);
    expect(relErr(lin, invertRef(model, x, tokens, false))).toBeLessThan(1e-5);
    expect(relErr(forced, invertRef(model, x, tokens, true, recorded))).toBeLessThan(1e-5);
  });

  it('rejects aliased outputs, short buffers and oversized batches', async () => {
    const { res, ...b } = await setup('full', 3, 5, 10, 3);
    expect(() => res.residualize({ x: b.x, z: b.x, tokens: 10 })).toThrow(/same buffer/);
    expect(() => res.invert({ z: b.x, x: b.back, tokens: 11 })).toThrow(/needs/);
    expect(() => res.invert({ z: b.x, x: b.back, tokens: 14 })).toThrow(/maxTokens/);
    b.done();
  });
});
