import { describe, expect, it } from 'vitest';
import { f16ArrayToF32, f32ArrayToF16 } from '../data/float16';
import { gaussianArray, seededRandom } from '../gpu/random';
import { recordDispatches, testGpu } from '../gpu/test-gpu';
import { matmul, type MatmulLayout } from './matmul';
import type { DispatchDescription } from '../gpu/context';

const EPS32 = 2 ** -23;

interface Case {
  layout: MatmulLayout;
  m: number;
  n: number;
  k: number;
  alpha?: number;
  accumulate?: boolean;
  offsets?: [number, number, number];
  /** Extra elements per stored row of A, B, C beyond their width. */
  pads?: [number, number, number];
  /** Subtract a random per-depth shift from op(A) (matmul's aShift). */
  shift?: boolean;
}

/** Element (i, j) of a stored matrix: offset + i·stride + j. */
const at = (offset: number, stride: number, i: number, j: number) => offset + i * stride + j;

/**
 * float64 reference and, per element, the bound Σ_p |op(A)_ip·op(B)_pj|·|alpha|
 * that f32 rounding errors scale with.
 */
function reference(c: Case, a: Float32Array, b: Float32Array, c0: Float32Array, shift: Float32Array | null) {
  const { m, n, k, layout, alpha = 1, accumulate = false } = c;
  const [ao, bo, co] = c.offsets ?? [0, 0, 0];
  const [ap, bp, cp] = c.pads ?? [0, 0, 0];
  const aStride = (layout === 'tn' ? m : k) + ap;
  const bStride = (layout === 'nt' ? k : n) + bp;
  const cStride = n + cp;
  const opA = (i: number, p: number) => (layout === 'tn' ? a[at(ao, aStride, p, i)] : a[at(ao, aStride, i, p)]) - (shift ? shift[p] : 0);
  const opB = (p: number, j: number) => (layout === 'nt' ? b[at(bo, bStride, j, p)] : b[at(bo, bStride, p, j)]);
  const want = Float64Array.from(c0);
  const scale = new Float64Array(c0.length);
  for (let i = 0; i < m; i++) {
    for (let j = 0; j < n; j++) {
      let sum = 0;
      let abs = 0;
      for (let p = 0; p < k; p++) {
        const prod = opA(i, p) * opB(p, j);
        sum += prod;
        abs += Math.abs(prod);
      }
      const idx = at(co, cStride, i, j);
      want[idx] = alpha * sum + (accumulate ? c0[idx] : 0);
      scale[idx] = Math.abs(alpha) * abs + (accumulate ? Math.abs(c0[idx]) : 0);
    }
  }
  return { want, scale, aStride, bStride, cStride };
}

/** Runs one case on the GPU; returns the whole C buffer, the reference, and the dispatches matmul recorded. */
async function run(c: Case, seed: number, dtype: 'f32' | 'f16' = 'f32') {
  const ctx = await testGpu();
  const { dispatches, stop } = recordDispatches(ctx);
  const rand = seededRandom(seed);
  const [ao, bo, co] = c.offsets ?? [0, 0, 0];
  const [ap, bp, cp] = c.pads ?? [0, 0, 0];
  const aLen = ao + (c.layout === 'tn' ? c.k * (c.m + ap) : c.m * (c.k + ap));
  const bLen = bo + (c.layout === 'nt' ? c.n * (c.k + bp) : c.k * (c.n + bp));
  const cLen = co + c.m * (c.n + cp);
  let a = gaussianArray(aLen, rand);
  let b = gaussianArray(bLen, rand);
  // C starts with values that must survive outside the written block (and be added when accumulating).
  const c0 = gaussianArray(cLen, rand);
  const shift = c.shift ? gaussianArray(c.k, rand) : null;
  if (dtype === 'f16') {
    a = f16ArrayToF32(f32ArrayToF16(a));
    b = f16ArrayToF32(f32ArrayToF16(b));
  }
  const ref = reference(c, a, b, c0, shift);
  const shiftBuf = shift ? ctx.upload(shift, 'shift') : undefined;
  const aBuf = dtype === 'f16' ? ctx.upload(f32ArrayToF16(a), 'a16') : ctx.upload(a, 'a');
  const bBuf = dtype === 'f16' ? ctx.upload(f32ArrayToF16(b), 'b16') : ctx.upload(b, 'b');
  const cBuf = ctx.upload(c0, 'c');
  matmul(ctx, {
    a: aBuf,
    b: bBuf,
    c: cBuf,
    m: c.m,
    n: c.n,
    k: c.k,
    layout: c.layout,
    alpha: c.alpha,
    accumulate: c.accumulate,
    aOffset: ao,
    bOffset: bo,
    cOffset: co,
    aStride: ref.aStride,
    bStride: ref.bStride,
    cStride: ref.cStride,
    dtype,
    aShift: shiftBuf,
  });
  stop();
  const got = await ctx.readF32(cBuf, 0, cLen);
  for (const buffer of [aBuf, bBuf, cBuf, shiftBuf]) buffer?.destroy();
  return { got, ...ref, dispatches };
}

/**
 * Every element within 2·√K·eps·(Σ|products| + |C₀|) of the float64 result
 * (the usual probabilistic bound for a length-K f32 dot product), and every
 * element outside the written block unchanged.
 */
function expectClose(c: Case, got: Float32Array, want: Float64Array, scale: Float64Array) {
  let worst = 0;
  for (let i = 0; i < got.length; i++) {
    const tol = 2 * Math.sqrt(c.k + 1) * EPS32 * scale[i] + 1e-30;
    worst = Math.max(worst, Math.abs(got[i] - want[i]) / tol);
  }
  expect(worst, `worst error / tolerance for ${JSON.stringify(c)}`).toBeLessThanOrEqual(1);
}

const SIZES: [number, number, number][] = [
  [37, 53, 71], // all odd, smaller than one tile
  [131, 67, 45], // several row tiles, ragged edges
  [1, 70, 130], // a single row, K over several slices
  [65, 129, 33], // one past the tile size in m and n
];
const LAYOUT_NAMES: MatmulLayout[] = ['nn', 'tn', 'nt'];

describe('matmul (f32)', () => {
  for (const layout of LAYOUT_NAMES) {
    for (const [m, n, k] of SIZES) {
      it(`${layout} ${m}×${k}·${k}×${n}`, async () => {
        const c: Case = { layout, m, n, k };
        const { got, want, scale } = await run(c, m * 1000 + n + k);
        expectClose(c, got, want, scale);
      });
    }
    // Offsets past minStorageBufferOffsetAlignment (256 bytes) exercise the narrowed bindings.
    it(`${layout} with alpha, accumulate, offsets and row strides`, async () => {
      const c: Case = { layout, m: 45, n: 70, k: 39, alpha: -0.75, accumulate: true, offsets: [70, 133, 65], pads: [3, 1, 6] };
      const { got, want, scale } = await run(c, 99);
      expectClose(c, got, want, scale);
    });
  }

  it('overwrites NaN in C when not accumulating', async () => {
    const ctx = await testGpu();
    const a = ctx.upload(new Float32Array([1, 2, 3, 4]), 'a');
    const b = ctx.upload(new Float32Array([5, 6, 7, 8]), 'b');
    const c = ctx.upload(new Float32Array([NaN, NaN, NaN, NaN]), 'c');
    matmul(ctx, { a, b, c, m: 2, n: 2, k: 2 });
    expect([...(await ctx.readF32(c))]).toEqual([19, 22, 43, 50]);
  });

  it('rejects bad arguments with errors naming them', async () => {
    const ctx = await testGpu();
    const a = ctx.createBuffer(4 * 12, 'small');
    expect(() => matmul(ctx, { a, b: a, c: a, m: 4, n: 3, k: 4 })).toThrow(/matmul A \("small"\) needs 16 elements .* holds 12/);
    expect(() => matmul(ctx, { a, b: a, c: a, m: 2.5, n: 1, k: 1 })).toThrow(/matmul m = 2.5/);
    expect(() => matmul(ctx, { a, b: a, c: a, m: 1, n: 1, k: 1, layout: 'tt' as MatmulLayout })).toThrow(/Should be one of: nn, tn, nt/);
    expect(() => matmul(ctx, { a, b: a, c: a, m: 2, n: 2, k: 2, aStride: 1 })).toThrow(/matmul A stride = 1/);
    expect(() => matmul(ctx, { a, b: a, c: a, m: 2, n: 2, k: 0 })).toThrow(/matmul k = 0, but it must be an integer ≥ 1/);
    expect(() => matmul(ctx, { a, b: a, c: a, m: 2, n: 2, k: 2 })).toThrow(/c \("small"\) must be a different buffer/);
    a.destroy();
  });
});

/** The pipeline constants and grids of matmul's dispatches (interior tiles, then edge tiles). */
const plan = (dispatches: DispatchDescription[]) =>
  dispatches.map(({ constants, workgroups }) => ({ VEC4_A: constants!.VEC4_A, VEC4_B: constants!.VEC4_B, EDGE: constants!.EDGE, WG: constants!.WG_X, workgroups }));

describe('matmul (vec4 loads, interior and edge tiles)', () => {
  // Sizes, strides and offsets multiple of 4: both operands are read as vec4s
  // (A's depths or rows, B's columns or depths, per layout), with ragged tiles.
  const ALIGNED: [number, number, number][] = [
    [68, 36, 44], // 32 × 32 tiles: 1 × 2 interior, 4 edge; K one full slice and a partial one
    [4, 8, 4], // smaller than one tile in every dimension: edge tiles only, K under one slice
    [64, 96, 64], // whole tiles and whole K slices: interior only
  ];
  // 64 × 64 tiles (≥ 64 of them): 8 × 8 interior, 17 edge. The same code with other
  // constants, so one layout (the SAE encoder's) suffices; every pipeline costs a compile.
  const LARGE: [MatmulLayout, [number, number, number]] = ['nt', [516, 520, 12]];
  for (const layout of LAYOUT_NAMES) {
    for (const [m, n, k] of layout === LARGE[0] ? [...ALIGNED, LARGE[1]] : ALIGNED) {
      it(`${layout} ${m}×${k}·${k}×${n} reads vec4s`, async () => {
        const c: Case = { layout, m, n, k };
        const { got, want, scale, dispatches } = await run(c, m + 7 * n + 13 * k);
        expectClose(c, got, want, scale);
        const tile = m > 512 ? 64 : 32;
        const full = [Math.floor(n / tile), Math.floor(m / tile)];
        const edge = Math.ceil(n / tile) * Math.ceil(m / tile) - full[0] * full[1];
        expect(plan(dispatches)).toEqual([
          { VEC4_A: 1, VEC4_B: 1, EDGE: 0, WG: tile / 4, workgroups: full },
          { VEC4_A: 1, VEC4_B: 1, EDGE: 1, WG: tile / 4, workgroups: [edge] },
        ]);
      });
    }
    it(`${layout} vec4 with offsets, row strides, alpha and accumulate`, async () => {
      const c: Case = { layout, m: 40, n: 72, k: 52, alpha: 1.5, accumulate: true, offsets: [68, 132, 36], pads: [4, 8, 12] };
      const { got, want, scale, dispatches } = await run(c, 5);
      expectClose(c, got, want, scale);
      expect(plan(dispatches).map((d) => [d.VEC4_A, d.VEC4_B])).toEqual([[1, 1], [1, 1]]);
    });
  }
  // One aligned operand and one not: each chooses its own loads (the loads' code is the
  // same as in the cases above; what is new is the pairing and the bindings).
  it('nn with only one operand aligned', async () => {
    const c: Case = { layout: 'nn', m: 36, n: 40, k: 44, offsets: [0, 2, 1] };
    const { got, want, scale, dispatches } = await run(c, 6);
    expectClose(c, got, want, scale);
    expect(plan(dispatches).map((d) => [d.VEC4_A, d.VEC4_B])).toEqual([[1, 0], [1, 0]]);
  });
  it('falls back to scalar loads where a stride or an offset is not a multiple of 4', async () => {
    const c: Case = { layout: 'nn', m: 36, n: 40, k: 44, pads: [1, 2, 0] };
    const { got, want, scale, dispatches } = await run(c, 8);
    expectClose(c, got, want, scale);
    expect(plan(dispatches).map((d) => [d.VEC4_A, d.VEC4_B])).toEqual([[0, 0], [0, 0]]);
  });
});

describe('matmul (A shifted per depth)', () => {
  // op(A) − shift[depth] in every load path: scalar (odd sizes), vec4 along depth (nn, nt) or
  // along rows (tn), interior and edge tiles, and the partial K slice read from global memory.
  for (const layout of LAYOUT_NAMES) {
    for (const [m, n, k] of [
      [65, 129, 33],
      [68, 36, 44],
    ] as const) {
      it(`${layout} ${m}×${k}·${k}×${n} with a shift`, async () => {
        const c: Case = { layout, m, n, k, shift: true };
        const { got, want, scale } = await run(c, 3 * m + n + k);
        expectClose(c, got, want, scale);
      });
    }
  }
});

describe('matmul (f16 storage)', () => {
  /** Why an f16 check cannot run here, or null when it can. */
  const noF16 = (ctx: Awaited<ReturnType<typeof testGpu>>) =>
    ctx.hasF16
      ? null
      : `adapter "${ctx.summary.description || ctx.summary.vendor}" has no shader-f16 (SwiftShader never has it); run on lavapipe (TRAJ_VULKAN=lavapipe, Mesa ≥ 23) to check the f16-storage path`;

  for (const layout of LAYOUT_NAMES) {
    it(`${layout}: f16 storage against float64, odd sizes (scalar loads) and aligned ones (vec4<f16> loads)`, async ({ skip }) => {
      const ctx = await testGpu();
      const why = noF16(ctx);
      if (why) skip(why);
      const odd: Case = { layout, m: 37, n: 70, k: 45, alpha: 0.5, accumulate: true, offsets: [2, 4, 3], pads: [2, 0, 1] };
      const aligned: Case = { layout, m: 68, n: 36, k: 44, alpha: -2, offsets: [4, 8, 12], pads: [4, 0, 4] };
      for (const [c, vec4] of [[odd, 0], [aligned, 1]] as const) {
        const { got, want, scale, dispatches } = await run(c, 7, 'f16');
        expectClose(c, got, want, scale);
        expect(dispatches.map((d) => [d.shader, d.constants!.VEC4_A, d.constants!.VEC4_B])).toEqual([
          ['matmul@f16', vec4, vec4],
          ['matmul@f16', vec4, vec4],
        ]);
      }
    });
  }

  it('without shader-f16, refuses f16 with an error that says so', async ({ skip }) => {
    const ctx = await testGpu();
    if (!noF16(ctx)) skip('this adapter has shader-f16: the f16 path runs above');
    const a = ctx.createBuffer(64, 'a');
    expect(() => matmul(ctx, { a, b: a, c: ctx.createBuffer(64, 'c'), m: 2, n: 2, k: 2, dtype: 'f16' })).toThrow(/needs the WebGPU feature "shader-f16"/);
    a.destroy();
  });
});
