/**
 * Bounded memory at Stable Diffusion 1.5's size: a synthetic trajectory file
 * shaped like 1000 SD 1.5 images (S = 5, 256 positions, d = 1280, f16:
 * 3.3 GB) is written to disk image by image, the full dynamics are fitted
 * on it and a 6400 → 16384, k = 32 SAE is trained, all read image by image.
 * Prints one JSON line per stage (seconds, peak resident memory, peak GPU
 * buffer bytes) and checks the bounds below.
 *
 * Sizes come from the environment, the defaults being the full run:
 *   TRAJ_SCALE_DIR          folder for the file (default the OS temp dir; needs ~3.3 GB)
 *   TRAJ_SCALE_IMAGES       images in the file (1000)
 *   TRAJ_SCALE_FIT_IMAGES   images the fit reads, the first ones (all; the file repeats its
 *                           first 16 images, synthetic-file.ts, so past 16 the fit sees repeats)
 *   TRAJ_SCALE_STEPS        SAE steps (50)
 *   TRAJ_SCALE_BATCH        SAE batch, tokens (256)
 * On lavapipe the full fit (~7 TFLOP of covariance products) and 50 steps
 * that each touch the 3.4 GB of parameters, gradients and Adam moments take
 * hours; give smaller TRAJ_SCALE_FIT_IMAGES / TRAJ_SCALE_STEPS there.
 */
import { openAsBlob, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, test } from 'vitest';
import { TrajectoryReader } from '../../src/data/trajectory-file';
import type { DynamicsModel } from '../../src/dynamics/dynamics-file';
import { DEFAULT_HELDOUT_FRACTION, fitDynamics, type TrajectoryImages } from '../../src/dynamics/fit-dynamics';
import { trainSae } from '../../src/flows/train-sae';
import { trackBufferBytes } from '../../src/gpu/buffer-bytes';
import { testGpu } from '../../src/gpu/test-gpu';
import { resolveSaeConfig } from '../../src/sae/sae-config';
import { SD15_SHAPE, SYNTHETIC_DYNAMICS, writeSyntheticTrajectories } from './synthetic-file';

const env = (name: string, fallback: number) => (process.env[name] ? Number(process.env[name]) : fallback);
const N = env('TRAJ_SCALE_IMAGES', SD15_SHAPE.N);
const FIT_IMAGES = Math.min(N, env('TRAJ_SCALE_FIT_IMAGES', N));
const STEPS = env('TRAJ_SCALE_STEPS', 50);
const BATCH = env('TRAJ_SCALE_BATCH', 256);
const path = join(process.env.TRAJ_SCALE_DIR ?? tmpdir(), `trajectory-lab-scale-${process.pid}.safetensors`);

const GiB = 2 ** 30;
/** Writing and fitting hold a few images, the fit's chunk buffers and its d × d moments: all of it, GPU buffers included (on lavapipe they are process memory), under 2 GiB while the file is 3.3 GB. */
const FIT_RSS_BOUND = 2 * GiB;
/** Training holds the SAE's parameters, gradients and moments on the GPU (3.4 GB at this size); what the process holds beyond them (shuffle pool, batches, the exported weights) stays under 2 GiB. */
const TRAIN_HOST_BOUND = 2 * GiB;

const peakRss = () => process.resourceUsage().maxRSS * 1024;
const report = (line: Record<string, unknown>) => console.log(JSON.stringify(line));

/** The file's first `n` images, for a fit at reduced size. */
function firstImages(reader: TrajectoryReader, n: number): TrajectoryImages {
  return { N: n, S: reader.S, P: reader.P, d: reader.d, readImages: (n0, n1) => reader.readImages(n0, n1) };
}

describe('SD 1.5-sized trajectories with bounded memory', () => {
  afterAll(() => rmSync(path, { force: true }));
  let dynamics: DynamicsModel;

  test(`writes ${N} images and fits the full dynamics on ${FIT_IMAGES} of them under ${FIT_RSS_BOUND / GiB} GiB resident`, async () => {
    let started = performance.now();
    const bytes = writeSyntheticTrajectories(path, { ...SD15_SHAPE, N });
    expect(statSync(path).size).toBe(bytes);
    report({ stage: 'write', images: N, bytes, seconds: (performance.now() - started) / 1000, peakRssBytes: peakRss() });

    const ctx = await testGpu();
    const gpu = trackBufferBytes(ctx.device);
    const reader = await TrajectoryReader.open(await openAsBlob(path));
    started = performance.now();
    dynamics = await fitDynamics(ctx, firstImages(reader, FIT_IMAGES), { variant: 'full' });
    gpu.stop();
    report({ stage: 'fit', images: FIT_IMAGES, tokens: FIT_IMAGES * reader.P, seconds: (performance.now() - started) / 1000, peakRssBytes: peakRss(), peakGpuBytes: gpu.peak, r2Heldout: Array.from(dynamics.r2Heldout ?? []) });
    expect(peakRss()).toBeLessThan(FIT_RSS_BOUND);
    // Each channel follows x_s = a·x_{s−1} + c·u: the true R² = a²·var x_{s−1} / var x_s (u uniform, var 1/3). A full
    // d × d fit from n training tokens loses about (1 − R²)·d / (n − d) of it on held-out tokens (least squares' excess
    // risk; at 16 images n ≈ 3072 for d = 1280, so that term is large), and the ridge's shrinkage a little more.
    const trainTokens = (1 - DEFAULT_HELDOUT_FRACTION) * FIT_IMAGES * reader.P;
    const d = reader.d;
    let variance = 1 / 3;
    for (const r2 of dynamics.r2Heldout ?? []) {
      const next = SYNTHETIC_DYNAMICS.a ** 2 * variance + SYNTHETIC_DYNAMICS.c ** 2 / 3;
      const truth = (SYNTHETIC_DYNAMICS.a ** 2 * variance) / next;
      const overfit = trainTokens > d ? ((1 - truth) * d) / (trainTokens - d) : 1;
      expect(r2).toBeGreaterThan(truth - overfit - 0.05);
      variance = next;
    }
  });

  test(`trains ${STEPS} steps of a 6400 → 16384, k = 32 SAE (batch ${BATCH}) with under ${TRAIN_HOST_BOUND / GiB} GiB resident beyond its GPU buffers`, async () => {
    const ctx = await testGpu();
    const gpu = trackBufferBytes(ctx.device);
    const reader = await TrajectoryReader.open(await openAsBlob(path));
    const config = resolveSaeConfig({ dIn: reader.S * reader.d, latents: 16384, k: 32, batchSize: BATCH, metricsEvery: Math.min(10, STEPS) });
    const started = performance.now();
    const { history } = await trainSae(ctx, reader, dynamics, { config, steps: STEPS });
    gpu.stop();
    const seconds = (performance.now() - started) / 1000;
    report({ stage: 'train', steps: STEPS, batch: BATCH, seconds, secondsPerStep: seconds / STEPS, peakRssBytes: peakRss(), peakGpuBytes: gpu.peak, lastFvu: history.at(-1)?.fvu });
    expect(history.at(-1)?.step).toBe(STEPS);
    expect(peakRss() - gpu.peak).toBeLessThan(TRAIN_HOST_BOUND);
  });
});
