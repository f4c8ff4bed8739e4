import { expect, test } from 'vitest';
import { syntheticTrajectories, DEFAULT_SYNTHETIC } from './synthetic-trajectories';

test('residuals under the true dynamics are the planted innovations plus noise', () => {
  const S = 4, d = 13, P = 6, N = 5;
  const spec = { ...DEFAULT_SYNTHETIC, images: N, height: 2, width: 3, steps: S, channels: d, features: 5, noiseScale: 0.01, seed: 7 };
  const data = syntheticTrajectories(spec);
  expect(data.activations.length).toBe(N * S * P * d);
  const at = (n: number, s: number, p: number, j: number) => data.activations[((n * S + s) * P + p) * d + j];
  let residualEnergy = 0, unexplained = 0, count = 0;
  for (let n = 0; n < N; n++) {
    for (let p = 0; p < P; p++) {
      // r = [r_2..r_S] in float64, then remove its least-squares fit on the planted innovations.
      const r = new Float64Array((S - 1) * d);
      for (let s = 1; s < S; s++) {
        for (let i = 0; i < d; i++) {
          let pred = data.b[(s - 1) * d + i];
          for (let j = 0; j < d; j++) pred += data.A[((s - 1) * d + i) * d + j] * at(n, s - 1, p, j);
          r[(s - 1) * d + i] = at(n, s, p, i) - pred;
        }
      }
      const basis = Array.from({ length: spec.features }, (_, k) => data.innovations.subarray(k * S * d + d, (k + 1) * S * d));
      const gram = basis.map((u) => basis.map((v) => u.reduce((acc, x, i) => acc + x * v[i], 0)));
      const rhs = basis.map((u) => u.reduce((acc, x, i) => acc + x * r[i], 0));
      const coef = solve(gram, rhs);
      for (let i = 0; i < r.length; i++) {
        const fit = basis.reduce((acc, u, k) => acc + coef[k] * u[i], 0);
        residualEnergy += r[i] * r[i];
        unexplained += (r[i] - fit) ** 2;
        count++;
      }
    }
  }
  // What the innovations leave is the isotropic noise (std 0.01), up to the few dims the fit absorbs.
  expect(Math.sqrt(unexplained / count)).toBeLessThan(0.0125);
  expect(Math.sqrt(unexplained / count)).toBeGreaterThan(0.006);
  expect(residualEnergy).toBeGreaterThan(10 * unexplained);
  // v_k = A v_{k-1} + u_k: the stored x-space trajectories follow the same dynamics.
  for (let s = 1; s < S; s++) {
    for (let i = 0; i < d; i++) {
      let pred = data.innovations[s * d + i];
      for (let j = 0; j < d; j++) pred += data.A[((s - 1) * d + i) * d + j] * data.trajectories[(s - 1) * d + j];
      expect(data.trajectories[s * d + i]).toBeCloseTo(pred, 4);
    }
  }
});

function solve(a: number[][], b: number[]): number[] {
  const n = b.length;
  const m = a.map((row, i) => [...row, b[i]]);
  for (let c = 0; c < n; c++) {
    let pivot = c;
    for (let r = c + 1; r < n; r++) if (Math.abs(m[r][c]) > Math.abs(m[pivot][c])) pivot = r;
    [m[c], m[pivot]] = [m[pivot], m[c]];
    for (let r = 0; r < n; r++) {
      if (r === c) continue;
      const f = m[r][c] / m[c][c];
      for (let k = c; k <= n; k++) m[r][k] -= f * m[c][k];
    }
  }
  return m.map((row, i) => row[n] / m[i][i]);
}
