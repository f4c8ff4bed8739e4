/**
 * IEEE 754 binary16 (f16) and bfloat16 (bf16) conversions. Node 20 and most
 * browsers have no Float16Array, so half-precision tensors travel as
 * Uint16Array bit patterns and are widened to f32 here.
 *
 * Encoding rounds to nearest, ties to even, straight from the JS double (no
 * intermediate f32 rounding, which would double-round: 1 + 2^-11 + 2^-40
 * must give 1 + 2^-10, not 1). Subnormals, ±0, ±Infinity and NaN are exact.
 */

/** Largest finite f16 value. */
export const F16_MAX = 65504;
/** Halfway between 65504 and the next step (65536): at or above it, round to infinity. */
const F16_OVERFLOW = 65520;
const F16_MIN_NORMAL = 2 ** -14;

/** Round a non-negative double to the nearest integer, ties to even. */
function roundHalfEven(v: number): number {
  const floor = Math.floor(v);
  const frac = v - floor; // exact: v < 2^12 wherever this is called
  if (frac > 0.5 || (frac === 0.5 && floor % 2 === 1)) return floor + 1;
  return floor;
}

/** f16 bit pattern (0..65535) of `x`, rounded to nearest even. */
export function f16Bits(x: number): number {
  if (Number.isNaN(x)) return 0x7e00;
  const sign = x < 0 || Object.is(x, -0) ? 0x8000 : 0;
  const a = Math.abs(x);
  if (a >= F16_OVERFLOW) return sign | 0x7c00;
  if (a < F16_MIN_NORMAL) {
    // Subnormal: units of 2^-24. Rounding up to 1024 lands exactly on the
    // smallest normal's bit pattern, so no special case is needed.
    return sign | roundHalfEven(a * 2 ** 24);
  }
  let e = Math.floor(Math.log2(a));
  // Math.log2 may be off by one ulp near powers of two; fix e so 2^e <= a < 2^(e+1).
  if (2 ** e > a) e -= 1;
  else if (2 ** (e + 1) <= a) e += 1;
  let mant = roundHalfEven(a * 2 ** (10 - e)); // in [1024, 2048]
  if (mant === 2048) {
    mant = 1024;
    e += 1;
  }
  // a < 65520 keeps e + 15 <= 30 after the carry.
  return sign | ((e + 15) << 10) | (mant - 1024);
}

/** Value of the f16 bit pattern `h` (low 16 bits used). */
export function f16ToNumber(h: number): number {
  const sign = h & 0x8000 ? -1 : 1;
  const exp = (h >>> 10) & 0x1f;
  const mant = h & 0x3ff;
  if (exp === 0) return sign * mant * 2 ** -24;
  if (exp === 0x1f) return mant === 0 ? sign * Infinity : NaN;
  return sign * (1024 + mant) * 2 ** (exp - 25);
}

let f16Table: Float32Array | null = null;

/** All 65536 f16 values as f32 (256 KiB), built on first use: decoding is one lookup. */
function decodeTable(): Float32Array {
  if (f16Table === null) {
    f16Table = new Float32Array(65536);
    for (let h = 0; h < 65536; h++) f16Table[h] = f16ToNumber(h);
  }
  return f16Table;
}

/** Widen f16 bit patterns to f32 (every f16 value is exact in f32). */
export function f16ArrayToF32(
  src: Uint16Array,
  dst: Float32Array<ArrayBuffer> = new Float32Array(src.length),
): Float32Array<ArrayBuffer> {
  if (dst.length !== src.length) {
    throw new Error(`f16ArrayToF32: dst has ${dst.length} elements, src has ${src.length}`);
  }
  const table = decodeTable();
  for (let i = 0; i < src.length; i++) dst[i] = table[src[i]];
  return dst;
}

/** Narrow f32 values to f16 bit patterns, rounding to nearest even. */
export function f32ArrayToF16(src: Float32Array): Uint16Array<ArrayBuffer> {
  const dst = new Uint16Array(src.length);
  for (let i = 0; i < src.length; i++) dst[i] = f16Bits(src[i]);
  return dst;
}

/**
 * Widen bf16 bit patterns to f32: bf16 is the top half of an f32, so this
 * is a 16-bit shift into the f32's bits (exact, NaN payloads included).
 */
export function bf16ArrayToF32(src: Uint16Array): Float32Array<ArrayBuffer> {
  const bits = new Uint32Array(src.length);
  for (let i = 0; i < src.length; i++) bits[i] = src[i] << 16;
  return new Float32Array(bits.buffer);
}
