import { createHash } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { Sha256 } from './sha256';

/** Deterministic bytes (xorshift32), so the test does not depend on Math.random. */
function bytes(n: number, seed: number): Uint8Array {
  const out = new Uint8Array(n);
  let x = seed;
  for (let i = 0; i < n; i++) {
    x ^= x << 13;
    x ^= x >>> 17;
    x ^= x << 5;
    out[i] = x & 0xff;
  }
  return out;
}

describe('Sha256 (incremental)', () => {
  it('matches the FIPS 180-4 example for "abc"', () => {
    expect(new Sha256().update(new TextEncoder().encode('abc')).hex()).toBe('ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad');
  });

  it.each([0, 1, 55, 56, 63, 64, 65, 119, 120, 1000, 100_003])('matches node:crypto on %i bytes, fed in uneven slices', (n) => {
    const data = bytes(n, n + 7);
    const hash = new Sha256();
    for (let o = 0, step = 1; o < n; o += step, step = (step * 3 + 1) % 97 || 1) hash.update(data.subarray(o, Math.min(n, o + step)));
    expect(hash.hex()).toBe(createHash('sha256').update(data).digest('hex'));
  });
});
