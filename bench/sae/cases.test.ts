import { describe, expect, it } from 'vitest';
import { EMULATED_FLOP_BUDGET, flops } from '../linalg/cases';
import { encoderProduct, FULL_SAE_CASE, MIN_SCALED_K, saeBenchCase, saeBenchCases, scaledSaeCase, SMALL_SAE_CASES } from './cases';

describe('SAE bench cases', () => {
  it('shrinks the SD 1.5 step by one power of two in every size until its encoder product fits the budget', () => {
    const scaled = saeBenchCase(false);
    const divisor = FULL_SAE_CASE.batch / scaled.batch;
    expect(Math.log2(divisor) % 1).toBe(0);
    expect([FULL_SAE_CASE.dIn / scaled.dIn, FULL_SAE_CASE.latents / scaled.latents]).toEqual([divisor, divisor]);
    expect(scaled.k).toBe(Math.max(MIN_SCALED_K, FULL_SAE_CASE.k / divisor));
    expect(flops(encoderProduct(scaled))).toBeLessThanOrEqual(EMULATED_FLOP_BUDGET);
    expect(flops(encoderProduct(FULL_SAE_CASE)) / (divisor / 2) ** 3).toBeGreaterThan(EMULATED_FLOP_BUDGET);
    expect(scaled.name).toBe(`sd15/${divisor}`);
  });

  it('divides k like the other sizes, but keeps at least MIN_SCALED_K and never more than the full case', () => {
    expect(scaledSaeCase({ ...FULL_SAE_CASE, k: 512 }, EMULATED_FLOP_BUDGET).k).toBe(16);
    expect(scaledSaeCase(FULL_SAE_CASE, 1e5).k).toBe(MIN_SCALED_K);
    expect(scaledSaeCase({ ...FULL_SAE_CASE, k: 2 }, 1e5).k).toBe(2);
  });

  it('gives the full SD 1.5 shape with --full', () => {
    expect(saeBenchCase(true)).toEqual({ name: 'sd15', batch: 4096, dIn: 6400, latents: 16384, k: 32 });
  });

  it('runs the small shapes beside the SD 1.5 case, full or scaled', () => {
    const shapes = SMALL_SAE_CASES.map((c) => [c.dIn, c.latents, c.k, c.batch]);
    expect(shapes).toEqual([
      [200, 40, 3, 256],
      [200, 40, 3, 1024],
      [240, 256, 8, 256],
      [240, 1024, 8, 256],
    ]);
    for (const full of [false, true]) expect(saeBenchCases(full)).toEqual([saeBenchCase(full), ...SMALL_SAE_CASES]);
    expect(new Set(saeBenchCases(false).map((c) => c.name)).size).toBe(5);
  });
});
