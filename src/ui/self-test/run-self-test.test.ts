import { describe, expect, it } from 'vitest';
import { testGpu } from '../../gpu/test-gpu';
import { componentwiseError, runSelfTest } from './run-self-test';

describe('runSelfTest', () => {
  it('passes every layout on a working GPU, with errors under the float32 bound', async () => {
    const ctx = await testGpu();
    const report = await runSelfTest(ctx, 12345);
    expect(report.cases.map((c) => c.layout)).toEqual(['nn', 'tn', 'nt']);
    for (const c of report.cases) {
      expect(c.tolerance).toBeCloseTo(45 * 2 ** -24, 9);
      expect(c.maxRelError).toBeLessThanOrEqual(c.tolerance);
      expect(c.gpuMs).toBeGreaterThanOrEqual(0);
    }
    expect(report.passed).toBe(true);
  });
});

describe('componentwiseError', () => {
  const want = new Float64Array([1, -2, 3]);
  const absSum = new Float64Array([2, 4, 6]);

  it('is the largest error relative to each entry’s scale', () => {
    expect(componentwiseError(new Float32Array([1, -2, 3]), want, absSum)).toBe(0);
    expect(componentwiseError(new Float32Array([1.5, -2, 3.3]), want, absSum)).toBeCloseTo(0.25, 6);
  });

  it('is infinite when the GPU returned NaN, so the self-test fails', () => {
    expect(componentwiseError(new Float32Array([1, NaN, 3]), want, absSum)).toBe(Infinity);
  });
});
