import { describe, expect, it } from 'vitest';
import { topImages, type LatentTable } from './latent-table';

describe('topImages', () => {
  const table = (rowsPerPosition: number, rows: number[]) => ({ P: 4, topN: 5, rowsPerPosition, topToken: Uint32Array.from(rows), topCount: Uint32Array.of(rows.length) }) as unknown as LatentTable;

  it('reads the image of a concat SAE’s row t = n·P + p', () => {
    expect(topImages(table(1, [9, 1, 8, 3]), 0)).toEqual([2, 0]);
  });

  it('reads the image of a per-step SAE’s row (n·P + p)·S + s, distinct, best first', () => {
    const S = 3;
    const row = (n: number, p: number, s: number) => (n * 4 + p) * S + s;
    expect(topImages(table(S, [row(5, 3, 2), row(1, 0, 0), row(5, 0, 1), row(2, 3, 2)]), 0)).toEqual([5, 1, 2]);
  });
});
