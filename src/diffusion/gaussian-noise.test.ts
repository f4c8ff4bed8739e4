/**
 * Seeded latents: the Philox-4x32-10 words against Random123's published
 * known-answer vectors and against a BigInt re-implementation written from
 * the paper's round function (64-bit products done exactly, no 16-bit
 * splitting); the normals against Box–Muller computed here in float64 from
 * those BigInt words.
 */
import { describe, expect, it } from 'vitest';
import { gaussianNoise, philox4x32 } from './gaussian-noise';

const MASK = 0xffffffffn;

/** The first values this implementation produced, kept after they matched the BigInt reference below. */
const FIRST_SEED0 = ['-0.090473', '-1.005132', '-0.923834', '-2.512954'];
const FIRST_SEED42 = ['1.234542', '0.611850', '-2.955053', '-0.258857'];

/** Philox-4x32-R in BigInt: c ← [hi(M1·c2) ⊕ c1 ⊕ k0, lo(M1·c2), hi(M0·c0) ⊕ c3 ⊕ k1, lo(M0·c0)], key += (W0, W1) between rounds. */
function philoxBig(ctr: bigint[], key: bigint[], rounds = 10): bigint[] {
  let [c0, c1, c2, c3] = ctr;
  let [k0, k1] = key;
  for (let r = 0; r < rounds; r++) {
    if (r > 0) {
      k0 = (k0 + 0x9e3779b9n) & MASK;
      k1 = (k1 + 0xbb67ae85n) & MASK;
    }
    const p0 = 0xd2511f53n * c0;
    const p1 = 0xcd9e8d57n * c2;
    [c0, c1, c2, c3] = [((p1 >> 32n) ^ c1 ^ k0) & MASK, p1 & MASK, ((p0 >> 32n) ^ c3 ^ k1) & MASK, p0 & MASK];
  }
  return [c0, c1, c2, c3];
}

/** Value i of gaussianNoise(seed, ·) in float64, from the BigInt words: block ⌊i/2⌋, 53-bit uniforms, Box–Muller. */
function referenceNormal(seed: number, i: number): number {
  const w = philoxBig([BigInt(Math.floor(i / 2)), 0n, 0n, 0n], [BigInt(seed), 0n]);
  const res53 = (a: bigint, b: bigint) => Number(((a >> 5n) << 26n) | (b >> 6n)) / 2 ** 53;
  const u0 = res53(w[0], w[1]);
  const u1 = res53(w[2], w[3]);
  const r = Math.sqrt(-2 * Math.log(1 - u0));
  return i % 2 === 0 ? r * Math.cos(2 * Math.PI * u1) : r * Math.sin(2 * Math.PI * u1);
}

const hex = (words: ArrayLike<number | bigint>) => Array.from(words, (w) => w.toString(16).padStart(8, '0'));

describe('philox4x32 (10 rounds)', () => {
  it("matches Random123's known-answer vectors (kat_vectors, philox4x32 10)", () => {
    const out = new Uint32Array(4);
    expect(hex(philox4x32([0, 0, 0, 0], 0, 0, out))).toEqual(['6627e8d5', 'e169c58d', 'bc57ac4c', '9b00dbd8']);
    expect(hex(philox4x32([0xffffffff, 0xffffffff, 0xffffffff, 0xffffffff], 0xffffffff, 0xffffffff, out))).toEqual(['408f276d', '41c83b0e', 'a20bc7c6', '6d5451fd']);
    expect(hex(philox4x32([0x243f6a88, 0x85a308d3, 0x13198a2e, 0x03707344], 0xa4093822, 0x299f31d0, out))).toEqual(['d16cfe09', '94fdcceb', '5001e420', '24126ea1']);
  });

  it('equals the BigInt re-implementation on random counters and keys', () => {
    const out = new Uint32Array(4);
    let s = 0x12345678n;
    const next = () => (s = (s * 6364136223846793005n + 1442695040888963407n) & 0xffffffffffffffffn) >> 32n;
    for (let trial = 0; trial < 200; trial++) {
      const ctr = [next(), next(), next(), next()];
      const key = [next(), next()];
      expect(hex(philox4x32(ctr.map(Number), Number(key[0]), Number(key[1]), out)), `trial ${trial}`).toEqual(hex(philoxBig(ctr, key)));
    }
  });
});

describe('gaussianNoise', () => {
  it('first values for seed 0 and seed 42, equal to the float64 reference rounded to f32', () => {
    for (const seed of [0, 42, 0xffffffff]) {
      const z = gaussianNoise(seed, 9);
      for (let i = 0; i < z.length; i++) expect(z[i], `seed ${seed}, i ${i}`).toBe(Math.fround(referenceNormal(seed, i)));
    }
    // Hard-coded once the line above held, so a change of layout or generator shows up as a diff.
    expect(Array.from(gaussianNoise(0, 4), (v) => v.toFixed(6))).toEqual(FIRST_SEED0);
    expect(Array.from(gaussianNoise(42, 4), (v) => v.toFixed(6))).toEqual(FIRST_SEED42);
  });

  it('has mean ≈ 0 and variance ≈ 1 over 1e5 samples', () => {
    const n = 100_000;
    const z = gaussianNoise(7, n);
    let sum = 0;
    let sq = 0;
    for (const v of z) {
      sum += v;
      sq += v * v;
    }
    const mean = sum / n;
    const variance = sq / n - mean * mean;
    // Standard errors: 1/√n ≈ 0.0032 for the mean, √(2/n) ≈ 0.0045 for the variance; 5σ bounds.
    expect(Math.abs(mean)).toBeLessThan(0.016);
    expect(Math.abs(variance - 1)).toBeLessThan(0.023);
  });

  it('differs between seeds and is a prefix of a longer draw', () => {
    const a = gaussianNoise(1, 1000);
    const b = gaussianNoise(2, 1000);
    let same = 0;
    for (let i = 0; i < a.length; i++) if (a[i] === b[i]) same++;
    expect(same).toBe(0);
    const longer = gaussianNoise(1, 1007);
    expect(Array.from(longer.subarray(0, 1000))).toEqual(Array.from(a));
    expect(Array.from(gaussianNoise(1, 999))).toEqual(Array.from(a.subarray(0, 999)));
  });

  it('refuses a seed that is not an unsigned 32-bit integer, and a bad count', () => {
    expect(() => gaussianNoise(-1, 4)).toThrow(/seed = -1 must be an unsigned 32-bit integer/);
    expect(() => gaussianNoise(2 ** 32, 4)).toThrow(/seed = 4294967296/);
    expect(() => gaussianNoise(1.5, 4)).toThrow(/seed = 1.5/);
    expect(() => gaussianNoise(1, -2)).toThrow(/count = -2/);
    expect(gaussianNoise(3, 0).length).toBe(0);
  });
});
