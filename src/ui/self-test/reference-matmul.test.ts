import { describe, expect, it } from 'vitest';
import { referenceMatmul } from './reference-matmul';

// A = [[1, 2, 3], [4, 5, 6]] (2×3), B = [[7, 8], [9, 10], [11, 12]] (3×2):
// A·B = [[58, 64], [139, 154]] by hand; with a sign flipped, Σ|a·b| differs from |Σ a·b|.
describe('referenceMatmul', () => {
  const a = [1, 2, 3, 4, 5, 6];
  const aT = [1, 4, 2, 5, 3, 6];
  const b = [7, 8, 9, 10, 11, 12];
  const bT = [7, 9, 11, 8, 10, 12];

  it.each([
    ['nn', a, b],
    ['tn', aT, b],
    ['nt', a, bT],
  ] as const)('%s reads its stored layout', (layout, aStored, bStored) => {
    const { c, absSum } = referenceMatmul(new Float32Array(aStored), new Float32Array(bStored), 2, 2, 3, layout);
    expect([...c]).toEqual([58, 64, 139, 154]);
    expect([...absSum]).toEqual([58, 64, 139, 154]);
  });

  it('sums absolute products for the error scale', () => {
    const { c, absSum } = referenceMatmul(new Float32Array([1, -2, 3, 4, 5, 6]), new Float32Array(b), 2, 2, 3, 'nn');
    expect([...c]).toEqual([7 - 18 + 33, 8 - 20 + 36, 139, 154]);
    expect([...absSum]).toEqual([7 + 18 + 33, 8 + 20 + 36, 139, 154]);
  });
});
