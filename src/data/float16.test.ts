import { describe, expect, it } from 'vitest';
import { seededRandom } from '../gpu/random';
import { bf16ArrayToF32, f16ArrayToF32, f16Bits, f16ToNumber, f32ArrayToF16, F16_MAX } from './float16';

const isF16NaN = (h: number): boolean => (h & 0x7c00) === 0x7c00 && (h & 0x3ff) !== 0;

/**
 * Independent f32-bits → f16-bits reference (the classic integer algorithm,
 * round to nearest even), valid for f32 inputs only.
 */
function refF32BitsToF16(f: number): number {
  const sign = (f >>> 16) & 0x8000;
  const exp = (f >>> 23) & 0xff;
  const mant = f & 0x7fffff;
  if (exp === 0xff) return sign | 0x7c00 | (mant !== 0 ? 0x200 : 0);
  const e = exp - 127 + 15;
  if (e >= 31) return sign | 0x7c00;
  if (e <= 0) {
    if (e < -10) return sign;
    const m = mant | 0x800000;
    const shift = 14 - e;
    let h = m >>> shift;
    const rem = m & ((1 << shift) - 1);
    const half = 1 << (shift - 1);
    if (rem > half || (rem === half && (h & 1) === 1)) h += 1;
    return sign | h;
  }
  let h = (e << 10) | (mant >>> 13);
  const rem = mant & 0x1fff;
  if (rem > 0x1000 || (rem === 0x1000 && (h & 1) === 1)) h += 1;
  return sign | h;
}

describe('f16', () => {
  it('round-trips all 65536 bit patterns (NaNs stay NaN)', () => {
    for (let h = 0; h < 65536; h++) {
      const v = f16ToNumber(h);
      if (isF16NaN(h)) {
        expect(Number.isNaN(v)).toBe(true);
        expect(isF16NaN(f16Bits(v))).toBe(true);
      } else if (f16Bits(v) !== h) {
        throw new Error(`h=0x${h.toString(16)} decodes to ${v} which encodes to 0x${f16Bits(v).toString(16)}`);
      }
    }
  });

  it('table decode equals the scalar decode for every pattern', () => {
    const all = new Uint16Array(65536).map((_, i) => i);
    const f32 = f16ArrayToF32(all);
    for (let h = 0; h < 65536; h++) {
      const want = Math.fround(f16ToNumber(h));
      if (!Object.is(f32[h], want) && !(Number.isNaN(want) && Number.isNaN(f32[h]))) {
        throw new Error(`h=0x${h.toString(16)}: table ${f32[h]} vs scalar ${want}`);
      }
    }
  });

  it('decodes and encodes known values', () => {
    const known: Array<[number, number]> = [
      [0x0000, 0],
      [0x8000, -0],
      [0x3c00, 1],
      [0xc000, -2],
      [0x3555, 0.333251953125],
      [0x7bff, 65504],
      [0x0400, 2 ** -14], // smallest normal
      [0x0001, 2 ** -24], // smallest subnormal
      [0x03ff, 1023 * 2 ** -24], // largest subnormal
      [0x7c00, Infinity],
      [0xfc00, -Infinity],
    ];
    for (const [h, v] of known) {
      expect(Object.is(f16ToNumber(h), v)).toBe(true);
      expect(f16Bits(v)).toBe(h);
    }
    expect(F16_MAX).toBe(65504);
    expect(f16Bits(1 / 3)).toBe(0x3555);
    expect(f16Bits(0.1)).toBe(0x2e66);
    expect(f16Bits(NaN)).toBe(0x7e00);
  });

  it('rounds to nearest, ties to even, at the edges', () => {
    expect(f16Bits(1 + 2 ** -11)).toBe(0x3c00); // tie → even (1.0)
    expect(f16Bits(1 + 3 * 2 ** -11)).toBe(0x3c02); // tie → even (1 + 2^-9)
    expect(f16Bits(1 + 2 ** -11 + 2 ** -40)).toBe(0x3c01); // just above a tie: no double rounding via f32
    expect(f16Bits(2 ** -25)).toBe(0x0000); // half the smallest subnormal → 0 (even)
    expect(f16Bits(2 ** -25 * (1 + 2 ** -20))).toBe(0x0001);
    expect(f16Bits(3 * 2 ** -25)).toBe(0x0002); // 1.5 subnormal units → 2
    expect(f16Bits(2 ** -14 - 2 ** -25)).toBe(0x0400); // largest-subnormal tie carries into the smallest normal
    expect(f16Bits(65519.99)).toBe(0x7bff);
    expect(f16Bits(65520)).toBe(0x7c00); // tie between 65504 and 65536 → even → overflow
    expect(f16Bits(-1e6)).toBe(0xfc00);
  });

  it('sends every midpoint between neighbours to the even one and nudged midpoints to the nearer', () => {
    for (let h = 0; h < 0x7bff; h++) {
      const lo = f16ToNumber(h);
      const hi = f16ToNumber(h + 1);
      const mid = (lo + hi) / 2; // exact in f64
      const nudge = mid * 2 ** -40;
      expect(f16Bits(mid)).toBe(h % 2 === 0 ? h : h + 1);
      expect(f16Bits(mid - nudge)).toBe(h);
      expect(f16Bits(mid + nudge)).toBe(h + 1);
      expect(f16Bits(-(mid - nudge))).toBe(0x8000 | h);
    }
  });

  it('matches an independent integer reference on random f32 bit patterns', () => {
    const rand = seededRandom(7);
    const bits = new Uint32Array(200_000);
    for (let i = 0; i < bits.length; i++) bits[i] = Math.floor(rand() * 2 ** 32);
    // Half the samples near the f16 range, where the rounding work happens.
    for (let i = 0; i < bits.length; i += 2) bits[i] = (bits[i] & 0x807fffff) | ((100 + (bits[i] % 50)) << 23);
    const f32 = new Float32Array(bits.buffer);
    const got = f32ArrayToF16(f32);
    for (let i = 0; i < bits.length; i++) {
      const want = refF32BitsToF16(bits[i]);
      if (isF16NaN(want)) {
        expect(isF16NaN(got[i])).toBe(true);
      } else if (got[i] !== want) {
        throw new Error(`f32 ${f32[i]} (0x${bits[i].toString(16)}): got 0x${got[i].toString(16)}, want 0x${want.toString(16)}`);
      }
    }
  });

  it('rejects a dst of the wrong length', () => {
    expect(() => f16ArrayToF32(new Uint16Array(3), new Float32Array(2))).toThrow(/dst has 2 elements, src has 3/);
  });
});

describe('bf16', () => {
  it('decodes every pattern like the bf16 formula', () => {
    const all = new Uint16Array(65536).map((_, i) => i);
    const f32 = bf16ArrayToF32(all);
    for (let h = 0; h < 65536; h++) {
      const sign = h & 0x8000 ? -1 : 1;
      const exp = (h >>> 7) & 0xff;
      const mant = h & 0x7f;
      const want =
        exp === 0 ? sign * mant * 2 ** -133 : exp === 0xff ? (mant === 0 ? sign * Infinity : NaN) : sign * (128 + mant) * 2 ** (exp - 134);
      if (!Object.is(f32[h], want) && !(Number.isNaN(want) && Number.isNaN(f32[h]))) {
        throw new Error(`bf16 0x${h.toString(16)}: got ${f32[h]}, want ${want}`);
      }
    }
    expect(Array.from(bf16ArrayToF32(new Uint16Array([0x3f80, 0xc000, 0x7f80, 0x4049])))).toEqual([1, -2, Infinity, 3.140625]);
  });
});
