import { describe, expect, it } from 'vitest';
import { seededRandom, shuffleInPlace } from './random';

describe('shuffleInPlace', () => {
  it('permutes in place, repeats for a seed, and reaches every order of three about equally often', () => {
    const items = Array.from({ length: 50 }, (_, i) => i);
    const a = shuffleInPlace([...items], seededRandom(3));
    expect([...a].sort((x, y) => x - y)).toEqual(items);
    expect(a).not.toEqual(items);
    expect(shuffleInPlace([...items], seededRandom(3))).toEqual(a);
    const random = seededRandom(4);
    const counts = new Map<string, number>();
    for (let n = 0; n < 6000; n++) {
      const key = shuffleInPlace([0, 1, 2], random).join('');
      counts.set(key, (counts.get(key) ?? 0) + 1);
    }
    expect(counts.size).toBe(6);
    // 1000 expected each; a biased swap (j over all n, say) gives some orders ~1.5× others.
    for (const c of counts.values()) expect(Math.abs(c - 1000)).toBeLessThan(150);
  });
});
