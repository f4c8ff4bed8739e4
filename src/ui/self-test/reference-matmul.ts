import type { MatmulLayout } from '../../linalg/matmul';

/**
 * The self-test's CPU reference: C = op(A)·op(B) in float64, and beside it
 * Σ_k |op(A)_ik·op(B)_kj|, the scale a float32 dot product's error is bounded by.
 * Layouts as in `matmul`: 'nn' A [m,k]·B [k,n]; 'tn' A stored [k,m]; 'nt' B stored [n,k].
 * Returns `c` and `absSum`, both [m, n] row-major.
 */
export function referenceMatmul(
  a: Float32Array,
  b: Float32Array,
  m: number,
  n: number,
  k: number,
  layout: MatmulLayout,
): { c: Float64Array; absSum: Float64Array } {
  const c = new Float64Array(m * n);
  const absSum = new Float64Array(m * n);
  for (let i = 0; i < m; i++) {
    for (let j = 0; j < n; j++) {
      let sum = 0;
      let abs = 0;
      for (let p = 0; p < k; p++) {
        const aip = layout === 'tn' ? a[p * m + i] : a[i * k + p];
        const bpj = layout === 'nt' ? b[j * k + p] : b[p * n + j];
        sum += aip * bpj;
        abs += Math.abs(aip * bpj);
      }
      c[i * n + j] = sum;
      absSum[i * n + j] = abs;
    }
  }
  return { c, absSum };
}
