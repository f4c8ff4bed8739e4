import { describe, expect, it } from 'vitest';
import { gaussianArray, seededRandom } from '../gpu/random';
import { relativeTrajectoryNorm, strengthScale } from './steering-units';

/** float64 reference: ρ_k = sqrt(mean_s (‖v_k[s]‖ / n_s)²), written out step by step. */
function referenceRho(v: ArrayLike<number>, norms: readonly number[], C: number): number {
  const ratios = norms.map((n, s) => Math.hypot(...Array.from({ length: C }, (_, c) => v[s * C + c])) / n);
  return Math.sqrt(ratios.reduce((sum, r) => sum + r * r, 0) / norms.length);
}

describe('steering strength units', () => {
  const random = seededRandom(19);
  const [S, C] = [5, 48];
  // Typical activation lengths that differ from step to step.
  const norms = [15.2, 9.7, 4.4, 3.1, 2.9];
  const v = gaussianArray(S * C, random);
  for (let s = 0; s < S; s++) for (let c = 0; c < C; c++) v[s * C + c] *= 0.02 * (s + 1);

  it('norm: c_k = 1/ρ_k against the float64 reference, and α·c_k·v_k[s] is α typical activations long on average over the steps', () => {
    expect(relativeTrajectoryNorm(v, norms, C)).toBeCloseTo(referenceRho(v, norms, C), 12);
    const c = strengthScale('norm', 3, v, C, { norms });
    expect(c).toBeCloseTo(1 / referenceRho(v, norms, C), 10);
    const alpha = 0.8;
    const relative = norms.map((n, s) => (alpha * c * Math.hypot(...Array.from(v.subarray(s * C, (s + 1) * C)))) / n);
    expect(Math.sqrt(relative.reduce((sum, r) => sum + r * r, 0) / S)).toBeCloseTo(alpha, 6);
  });

  it('norm: a trajectory that follows the activation norm adds exactly α·n_s at every step', () => {
    const u = gaussianArray(C, random);
    const length = Math.hypot(...u);
    const following = new Float64Array(S * C);
    for (let s = 0; s < S; s++) for (let c = 0; c < C; c++) following[s * C + c] = (0.01 * norms[s] * u[c]) / length;
    const scale = strengthScale('norm', 0, following, C, { norms });
    for (let s = 0; s < S; s++) expect(scale * 0.01 * norms[s]).toBeCloseTo(norms[s], 9);
  });

  it('mk: c_k = m_k; missing or degenerate inputs are errors naming the latent', () => {
    expect(strengthScale('mk', 7, v, C, { meanActivation: 2.5 })).toBe(2.5);
    expect(() => strengthScale('mk', 7, v, C, {})).toThrow(/latent 7: m_k is unknown/);
    expect(() => strengthScale('norm', 7, v, C, {})).toThrow(/latent 7: the hook's mean activation norms are unknown/);
    expect(() => strengthScale('norm', 7, new Float32Array(S * C), C, { norms })).toThrow(/latent 7 has a zero feature trajectory/);
    expect(() => relativeTrajectoryNorm(v, [1, 1, 0, 1, 1], C)).toThrow(/step 2 is 0/);
    expect(() => relativeTrajectoryNorm(v.subarray(1), norms, C)).toThrow(/\[S, C\] = \[5, 48\]/);
  });
});
