import { describe, expect, test } from 'vitest';
import type { TrajectoryImages } from '../dynamics/fit-dynamics';
import { TokenBatches, tokensInOrder } from './token-batches';

/** Images whose every value names its token: value = (n·P + p)·1000 + s·d + j, so rows can be identified. */
function labelled(N: number, S: number, P: number, d: number): TrajectoryImages {
  return {
    N, S, P, d,
    readImages: async (n0, n1) => {
      const out = new Float32Array((n1 - n0) * S * P * d);
      for (let n = n0; n < n1; n++) for (let s = 0; s < S; s++) for (let p = 0; p < P; p++) for (let j = 0; j < d; j++) {
        out[(((n - n0) * S + s) * P + p) * d + j] = (n * P + p) * 1000 + s * d + j;
      }
      return out;
    },
  };
}
const tokenOf = (rows: Float32Array, r: number, width: number) => Math.floor(rows[r * width] / 1000);

describe('token batches', () => {
  const [N, S, P, d] = [7, 3, 5, 2];
  const source = labelled(N, S, P, d);

  test('tokensInOrder yields every token once as [S·d] rows, consecutive within a batch, cut where images skip', async () => {
    const images = [0, 1, 2, 4, 5];
    const seen: number[] = [];
    for await (const batch of tokensInOrder(source, 4, images)) {
      expect(batch.rows.length).toBe(4 * S * d);
      for (let r = 0; r < batch.tokens; r++) {
        expect(tokenOf(batch.rows, r, S * d)).toBe(batch.firstToken + r);
        // The row is the token's trajectory [x_1; …; x_S].
        for (let i = 0; i < S * d; i++) expect(batch.rows[r * S * d + i] % 1000).toBe(i);
        seen.push(batch.firstToken + r);
      }
      for (let i = batch.tokens * S * d; i < batch.rows.length; i++) expect(batch.rows[i]).toBe(0);
    }
    expect(seen).toEqual(images.flatMap((n) => Array.from({ length: P }, (_, p) => n * P + p)));
  });

  test('TokenBatches draws each token once per epoch, in an order the seed repeats', async () => {
    const draw = async (seed: number) => {
      const batches = new TokenBatches(source, { batchSize: 5, seed, poolTokens: 12 });
      const tokens: number[] = [];
      for (let b = 0; b < (2 * N * P) / 5; b++) {
        const rows = await batches.next();
        for (let r = 0; r < 5; r++) tokens.push(tokenOf(rows, r, S * d));
      }
      return tokens;
    };
    const first = await draw(3);
    expect(await draw(3)).toEqual(first);
    expect(await draw(4)).not.toEqual(first);
    // Two epochs' worth of draws: every token twice (the pool carries a few over between epochs).
    const counts = new Map<number, number>();
    for (const t of first) counts.set(t, (counts.get(t) ?? 0) + 1);
    expect(counts.size).toBe(N * P);
    expect(Math.max(...counts.values())).toBeLessThanOrEqual(3);
    expect([...counts.values()].filter((c) => c === 2).length).toBeGreaterThanOrEqual(0.6 * N * P);
    expect(first.slice(0, 10)).not.toEqual([...first.slice(0, 10)].sort((a, b) => a - b));
  });
});
