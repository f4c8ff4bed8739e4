/**
 * Seeded N(0, 1) latents that are the same bits in every run, in Chromium
 * and in Node: a counter-based generator, Philox-4x32-10 (Salmon, Moraes,
 * Dror & Shaw, "Parallel random numbers: as easy as 1, 2, 3", SC 2011; the
 * Random123 library's `philox4x32_R` with R = 10), turned into normals by
 * Box–Muller in float64 and rounded once to f32.
 *
 * Layout: value i comes from counter block ⌊i/2⌋ = [⌊i/2⌋, 0, 0, 0] under
 * key [seed, 0]. A block's four 32-bit words make two 53-bit uniforms
 * (u = (w0 >>> 5)·2²⁶ + (w1 >>> 6), over 2⁵³, as MT19937's genrand_res53),
 * and one Box–Muller pair: z_even = r·cos θ, z_odd = r·sin θ with
 * r = √(−2 ln(1 − u₀)), θ = 2π·u₁. So gaussianNoise(s, n) is a prefix of
 * gaussianNoise(s, n + k), and any slice can be computed on its own.
 *
 * The integer part is exact 32-bit arithmetic (Math.imul, and a 32×32→64
 * product built from 16-bit halves, every partial sum below 2⁵³), so it is
 * identical on every engine. Math.log/cos/sin are V8's fdlibm port in both
 * Chromium and Node; other engines may differ in the last float64 ulp,
 * which almost never survives the rounding to f32.
 */

// Random123 philox.h: PHILOX_M4x32_0/1 (multipliers) and PHILOX_W32_0/1 (Weyl key increments).
const M0 = 0xd2511f53;
const M1 = 0xcd9e8d57;
const W0 = 0x9e3779b9;
const W1 = 0xbb67ae85;
const ROUNDS = 10;

/** Largest count one call accepts: 2³² counter blocks of two values each would be 2³³; a Float32Array tops out long before. */
const MAX_COUNT = 2 ** 31;

/** High 32 bits of the exact 64-bit product a·b (a, b unsigned 32-bit), from 16-bit halves so every partial is an exact double. */
function mulhi32(a: number, b: number): number {
  const al = a & 0xffff;
  const ah = a >>> 16;
  const bl = b & 0xffff;
  const bh = b >>> 16;
  const ll = al * bl;
  const lh = al * bh;
  const hl = ah * bl;
  const mid = (ll >>> 16) + (lh & 0xffff) + (hl & 0xffff);
  return (ah * bh + (lh >>> 16) + (hl >>> 16) + Math.floor(mid / 65536)) >>> 0;
}

/**
 * Philox-4x32 with `ROUNDS` rounds on counter `ctr` ([4] u32) and key
 * [k0, k1]; writes the four output words to `out` ([4] u32).
 * Round (Random123 `_philox4x32round`): (hi0, lo0) = M0·c0, (hi1, lo1) = M1·c2,
 * c ← [hi1 ⊕ c1 ⊕ k0, lo1, hi0 ⊕ c3 ⊕ k1, lo0]; the key gains (W0, W1) between rounds.
 */
export function philox4x32(ctr: ArrayLike<number>, k0: number, k1: number, out: Uint32Array): Uint32Array {
  let c0 = ctr[0] >>> 0;
  let c1 = ctr[1] >>> 0;
  let c2 = ctr[2] >>> 0;
  let c3 = ctr[3] >>> 0;
  k0 >>>= 0;
  k1 >>>= 0;
  for (let r = 0; r < ROUNDS; r++) {
    if (r > 0) {
      k0 = (k0 + W0) >>> 0;
      k1 = (k1 + W1) >>> 0;
    }
    const hi0 = mulhi32(M0, c0);
    const lo0 = Math.imul(M0, c0) >>> 0;
    const hi1 = mulhi32(M1, c2);
    const lo1 = Math.imul(M1, c2) >>> 0;
    c0 = (hi1 ^ c1 ^ k0) >>> 0;
    c1 = lo1;
    c2 = (hi0 ^ c3 ^ k1) >>> 0;
    c3 = lo0;
  }
  out[0] = c0;
  out[1] = c1;
  out[2] = c2;
  out[3] = c3;
  return out;
}

const TWO_POW_26 = 67108864;
const TWO_POW_53 = 9007199254740992;

/**
 * `count` independent standard-normal samples for `seed`.
 * seed: unsigned 32-bit integer (0 … 4294967295); count: integer ≥ 0.
 * Returns [count] f32; value i depends only on (seed, i).
 */
export function gaussianNoise(seed: number, count: number): Float32Array {
  if (!Number.isInteger(seed) || seed < 0 || seed > 0xffffffff) {
    throw new RangeError(`gaussianNoise: seed = ${seed} must be an unsigned 32-bit integer (0 … 4294967295)`);
  }
  if (!Number.isInteger(count) || count < 0 || count > MAX_COUNT) {
    throw new RangeError(`gaussianNoise: count = ${count} must be an integer in [0, ${MAX_COUNT}]`);
  }
  const out = new Float32Array(count);
  const ctr = new Uint32Array(4);
  const words = new Uint32Array(4);
  for (let i = 0, block = 0; i < count; i += 2, block++) {
    ctr[0] = block;
    philox4x32(ctr, seed, 0, words);
    const u0 = ((words[0] >>> 5) * TWO_POW_26 + (words[1] >>> 6)) / TWO_POW_53; // [0, 1)
    const u1 = ((words[2] >>> 5) * TWO_POW_26 + (words[3] >>> 6)) / TWO_POW_53;
    // 1 − u0 ∈ (0, 1]: the logarithm never sees 0.
    const r = Math.sqrt(-2 * Math.log(1 - u0));
    const theta = 2 * Math.PI * u1;
    out[i] = r * Math.cos(theta);
    if (i + 1 < count) out[i + 1] = r * Math.sin(theta);
  }
  return out;
}
