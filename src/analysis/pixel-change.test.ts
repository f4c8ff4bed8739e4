import { describe, expect, it } from 'vitest';
import { pixelChange } from './pixel-change';

describe('pixelChange', () => {
  it('averages the RGB change inside and outside a mask of hook positions', () => {
    // 4×2 image over a 2×1 grid (left half, right half); the mask covers the left half.
    const a = new Uint8ClampedArray(4 * 2 * 4);
    const b = new Uint8ClampedArray(4 * 2 * 4);
    for (let y = 0; y < 2; y++) for (let x = 0; x < 4; x++) {
      const i = (y * 4 + x) * 4;
      b[i] = x < 2 ? 30 : 6; // left pixels change by 30 in R, right by 6
    }
    const change = pixelChange(a, b, 4, 2, new Float32Array([1, 0]), 1, 2);
    expect(change.inside).toBeCloseTo(10, 12);
    expect(change.outside).toBeCloseTo(2, 12);
    expect(change.all).toBeCloseTo(6, 12);
    expect(pixelChange(a, b, 4, 2, null, 1, 2).inside).toBeCloseTo(6, 12);
  });
});
