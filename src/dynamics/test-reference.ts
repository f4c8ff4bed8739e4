import { gaussianArray, seededRandom } from '../gpu/random';
import type { DynamicsModel, DynamicsVariant } from './dynamics-file';

/** (Tests only: random models and the float64 reference of residualization and its inverse.) */

/** A random valid model of `variant`: A with spectral radius around 0.8, b, positive scales. */
export function randomModel(variant: DynamicsVariant, S: number, d: number, seed: number): DynamicsModel {
  const rand = seededRandom(seed);
  const A = new Float32Array((S - 1) * d * d);
  const b = new Float32Array((S - 1) * d);
  for (let s = 0; s < S - 1; s++) {
    const g = gaussianArray(d * d, rand, 0.8 / Math.sqrt(d));
    const bias = gaussianArray(d, rand, 0.5);
    for (let i = 0; i < d; i++) {
      for (let j = 0; j < d; j++) {
        const at = (s * d + i) * d + j;
        if (variant === 'full') A[at] = g[i * d + j];
        else if (variant === 'diagonal' && i === j) A[at] = 0.5 + rand();
        else if (variant === 'identity' && i === j) A[at] = 1;
      }
      if (variant === 'full' || variant === 'diagonal') b[s * d + i] = bias[i];
    }
  }
  const scales = Float32Array.from({ length: S }, () => 0.3 + 2 * rand());
  return { variant, lambda: 0, S, d, A, b, scales, r2: new Float32Array(S - 1) };
}

/** float64 A_s·v (s ≥ 1, 0-based) and Σ_j |A_ij v_j| for the rounding bound. */
function applyA(m: DynamicsModel, s: number, v: Float64Array): { y: Float64Array; abs: Float64Array } {
  const { d } = m;
  const y = new Float64Array(d);
  const abs = new Float64Array(d);
  for (let i = 0; i < d; i++) {
    for (let j = 0; j < d; j++) {
      const p = m.A[((s - 1) * d + i) * d + j] * v[j];
      y[i] += p;
      abs[i] += Math.abs(p);
    }
  }
  return { y, abs };
}

const block = (a: ArrayLike<number>, t: number, s: number, S: number, d: number) =>
  Float64Array.from({ length: d }, (_, j) => a[(t * S + s) * d + j]);

/** float64 residualization of token-major x, with a per-element rounding scale. */
export function residualizeRef(m: DynamicsModel, x: Float32Array, tokens: number) {
  const { S, d } = m;
  const z = new Float64Array(x.length);
  const bound = new Float64Array(x.length);
  for (let t = 0; t < tokens; t++) {
    for (let s = 0; s < S; s++) {
      const xs = block(x, t, s, S, d);
      const { y, abs } = s > 0 ? applyA(m, s, block(x, t, s - 1, S, d)) : { y: new Float64Array(d), abs: new Float64Array(d) };
      for (let j = 0; j < d; j++) {
        const b = s > 0 ? m.b[(s - 1) * d + j] : 0;
        const at = (t * S + s) * d + j;
        z[at] = (xs[j] - y[j] - b) / m.scales[s];
        bound[at] = (Math.abs(xs[j]) + abs[j] + Math.abs(b)) / m.scales[s];
      }
    }
  }
  return { z, bound };
}

/** float64 inverse; `teacher` supplies recorded previous steps (teacher forcing) instead of the running output. */
export function invertRef(m: DynamicsModel, z: Float32Array, tokens: number, affine: boolean, teacher?: Float32Array): Float64Array {
  const { S, d } = m;
  const x = new Float64Array(z.length);
  for (let t = 0; t < tokens; t++) {
    for (let s = 0; s < S; s++) {
      const prev = s === 0 ? null : teacher ? block(teacher, t, s - 1, S, d) : block(x, t, s - 1, S, d);
      const y = prev ? applyA(m, s, prev).y : new Float64Array(d);
      for (let j = 0; j < d; j++) {
        const b = s > 0 && affine ? m.b[(s - 1) * d + j] : 0;
        const at = (t * S + s) * d + j;
        x[at] = y[j] + b + z[at] * m.scales[s];
      }
    }
  }
  return x;
}
