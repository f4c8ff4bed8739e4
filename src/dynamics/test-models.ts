import { gaussianArray, seededRandom } from '../gpu/random';
import type { DynamicsModel, DynamicsVariant } from './dynamics-file';

/** (Tests only.) A random valid model of `variant`: A with spectral radius around 0.8, b, positive scales. */
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
