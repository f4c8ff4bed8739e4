import { describe, expect, it } from 'vitest';
import { benchCases, EMULATED_FLOP_BUDGET, flops, FULL_CASES, scaledCase } from './cases';

describe('scaledCase', () => {
  it('shrinks every full case under the budget by the smallest power of two, keeping its aspect', () => {
    for (const full of FULL_CASES) {
      const scaled = scaledCase(full, EMULATED_FLOP_BUDGET);
      const divisor = full.m / scaled.m;
      expect(Math.log2(divisor) % 1).toBe(0);
      expect(flops(scaled)).toBeLessThanOrEqual(EMULATED_FLOP_BUDGET);
      // Half the divisor would not have fitted.
      expect(flops(full) / (divisor / 2) ** 3).toBeGreaterThan(EMULATED_FLOP_BUDGET);
      expect([full.n / scaled.n, full.k / scaled.k]).toEqual([divisor, divisor]);
      expect(scaled.name).toBe(`${full.name}/${divisor}`);
      expect([scaled.layout, scaled.gram]).toEqual([full.layout, full.gram]);
    }
  });

  it('leaves a case that already fits unchanged', () => {
    const small = { name: 'small', m: 10, n: 20, k: 30, layout: 'nn' as const };
    expect(scaledCase(small, EMULATED_FLOP_BUDGET)).toBe(small);
  });

  it('gives the SAE and Gram shapes at full size with --full', () => {
    expect(benchCases(true)).toEqual(FULL_CASES);
    expect(benchCases(true).find((c) => c.name === 'sae-encode')).toMatchObject({ m: 4096, n: 4096, k: 6400 });
    expect(benchCases(true).find((c) => c.name === 'gram')).toMatchObject({ m: 1280, n: 1280, layout: 'tn', gram: true });
  });
});
