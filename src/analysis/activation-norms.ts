/**
 * The hook's typical activation length at each recorded step, n_s = the mean
 * over tokens of ‖x_s‖: the yardstick of the `norm` steering unit
 * (diffusion/steering-units.ts). Summed in float64, image by image, so a
 * collection of any size streams through in chunks of about CHUNK_BYTES.
 */
import type { TrajectoryImages } from '../dynamics/fit-dynamics';

/** n_s for each recorded step, and how many tokens (image positions) it averages. */
export interface ActivationNorms {
  /** [S] mean over tokens of ‖x_s‖. */
  meanNorm: number[];
  tokens: number;
}

/** Activations read per chunk, at most (f32 bytes). */
const CHUNK_BYTES = 32 * 2 ** 20;

/** Adds ‖x‖ of every token of `images` [n, S, P, d] to `sums[s]`. */
function addNorms(images: Float32Array, n: number, S: number, P: number, d: number, sums: Float64Array): void {
  for (let i = 0; i < n; i++) {
    for (let s = 0; s < S; s++) {
      for (let p = 0; p < P; p++) {
        const at = ((i * S + s) * P + p) * d;
        let squared = 0;
        for (let c = 0; c < d; c++) squared += images[at + c] * images[at + c];
        sums[s] += Math.sqrt(squared);
      }
    }
  }
}

/** n_s over every token of a trajectory set, streamed. */
export async function activationNorms(source: TrajectoryImages, options: { signal?: AbortSignal; onProgress?: (done: number, total: number) => void } = {}): Promise<ActivationNorms> {
  const { N, S, P, d } = source;
  const sums = new Float64Array(S);
  const chunk = Math.max(1, Math.floor(CHUNK_BYTES / (S * P * d * 4)));
  for (let n0 = 0; n0 < N; n0 += chunk) {
    options.signal?.throwIfAborted();
    const n = Math.min(chunk, N - n0);
    addNorms(await source.readImages(n0, n0 + n), n, S, P, d, sums);
    options.onProgress?.(n0 + n, N);
  }
  return { meanNorm: Array.from(sums, (v) => v / (N * P)), tokens: N * P };
}

/** n_s of one generation's recorded trajectory [S, P, d] (a run's tokens only: a stand-in where no collection is at hand). */
export function runActivationNorms(trajectory: Float32Array, S: number, P: number, d: number): ActivationNorms {
  if (trajectory.length !== S * P * d) throw new RangeError(`trajectory has ${trajectory.length} values; [S, P, d] = [${S}, ${P}, ${d}] needs ${S * P * d}`);
  const sums = new Float64Array(S);
  addNorms(trajectory, 1, S, P, d, sums);
  return { meanNorm: Array.from(sums, (v) => v / P), tokens: P };
}
