/**
 * A synthetic trajectory file of any size, written image by image straight
 * to disk (never whole in memory), for the scale test: each channel follows
 * x_1 = u_1, x_s = a·x_{s−1} + c·u_s with u uniform on [−1, 1], so the
 * dynamics fit has a known answer (A = a·I, R² = a²·var x_{s−1} / var x_s)
 * and every covariance it accumulates is well conditioned. Only the first
 * `distinct` images are drawn; image n repeats image n mod distinct, so a
 * 3.3 GB file is written at disk speed (drawing and rounding 1.6 billion
 * values to f16 took ~3 s an image on a loaded 2-core machine).
 */
import { closeSync, openSync, writeSync } from 'node:fs';
import { encodeActivations, trajectoryLayout, type ActivationDtype, type TrajectoryMeta } from '../../src/data/trajectory-file';
import { seededRandom } from '../../src/gpu/random';

export interface SyntheticShape {
  /** Images, recorded steps, feature-map side (P = side²), channels. */
  N: number;
  S: number;
  side: number;
  d: number;
  dtype: ActivationDtype;
}

/** SD 1.5 at up_blocks.1.attentions.1, S = 5 of 25 steps: 256 positions × 1280 channels. */
export const SD15_SHAPE: SyntheticShape = { N: 1000, S: 5, side: 16, d: 1280, dtype: 'F16' };

/** The transition coefficient a and the innovation scale c of every channel. */
export const SYNTHETIC_DYNAMICS = { a: 0.8, c: 0.6 } as const;

export function syntheticMeta({ N, S, side }: SyntheticShape): TrajectoryMeta {
  return {
    model: 'synthetic/sd15-shaped',
    hook: 'unet.up_blocks.1.attentions.1',
    stepIndices: Array.from({ length: S }, (_, s) => s * 5),
    timesteps: Array.from({ length: S }, (_, s) => 999 - s * 200),
    height: side,
    width: side,
    prompts: Array.from({ length: N }, (_, n) => `synthetic image ${n}`),
    seeds: Array.from({ length: N }, (_, n) => n),
  };
}

/** Writes the file at `path`; returns its size in bytes. Memory: `distinct` encoded images and one [S, P, d] f32 image. */
export function writeSyntheticTrajectories(path: string, shape: SyntheticShape, distinct = 16, seed = 1): number {
  const { N, S, side, d, dtype } = shape;
  const P = side * side;
  const layout = trajectoryLayout(syntheticMeta(shape), d, dtype);
  const random = seededRandom(seed);
  const { a, c } = SYNTHETIC_DYNAMICS;
  const image = new Float32Array(S * P * d);
  const step = P * d;
  const drawn: Uint8Array[] = [];
  for (let n = 0; n < Math.min(N, distinct); n++) {
    for (let i = 0; i < step; i++) image[i] = 2 * random() - 1;
    for (let s = 1; s < S; s++) {
      for (let i = s * step; i < (s + 1) * step; i++) image[i] = a * image[i - step] + c * (2 * random() - 1);
    }
    drawn.push(encodeActivations(image, dtype).slice());
  }
  const fd = openSync(path, 'w');
  try {
    writeSync(fd, layout.header);
    for (let n = 0; n < N; n++) writeSync(fd, drawn[n % drawn.length]);
  } finally {
    closeSync(fd);
  }
  return layout.totalBytes;
}
