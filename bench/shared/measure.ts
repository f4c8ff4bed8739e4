/**
 * One way of timing for every contestant: wall time from the start of a run
 * until the device has finished all GPU work it submitted, with the inputs
 * already in GPU buffers (no uploads) and the results left on the GPU (no
 * downloads). Warm-up runs come first so that pipeline compilation and the
 * libraries' buffer pools are not counted; the result is the median (and
 * the minimum) of the timed runs.
 */

import { seededRandom, shuffleInPlace } from '../../src/gpu/random';

/** Work whose inputs are on the GPU, ready to run repeatedly (a product, a training step). */
export interface TimedRun {
  /** Records and submits one run. The caller waits for the device to finish it. */
  run(): Promise<void>;
}

export interface TimingOptions {
  warmup: number;
  runs: number;
}

export interface WallTimes {
  medianMs: number;
  /** The least disturbed run: on a machine shared with other work, noise only ever adds time. */
  minMs: number;
}

/**
 * Wall times of each contestant over `runs` timed runs, after `warmup` untimed
 * ones. The contestants take turns run by run, in an order shuffled every
 * round (seeded: the same order every time), so a slow spell of a shared
 * machine falls on all of them alike, and no contestant always runs after the
 * same one (a rotated order keeps each one's predecessor: one always followed
 * the peer library's run, another always followed one of ours, whose buffers
 * it shares and finds in the CPU caches).
 */
export async function wallTimes(device: GPUDevice, contestants: readonly TimedRun[], { warmup, runs }: TimingOptions): Promise<WallTimes[]> {
  const times = contestants.map((): number[] => []);
  const random = seededRandom(ORDER_SEED);
  for (let round = 0; round < warmup + runs; round++) {
    const order = shuffleInPlace(contestants.map((_, i) => i), random);
    for (const p of order) {
      // Start from an idle queue so earlier work is not counted.
      await device.queue.onSubmittedWorkDone();
      const start = performance.now();
      await contestants[p].run();
      await device.queue.onSubmittedWorkDone();
      if (round >= warmup) times[p].push(performance.now() - start);
    }
  }
  return times.map((t) => ({ medianMs: median(t), minMs: Math.min(...t) }));
}

const ORDER_SEED = 7;


function median(values: number[]): number {
  const sorted = [...values].sort((x, y) => x - y);
  const mid = sorted.length >> 1;
  return sorted.length % 2 ? sorted[mid] : (sorted[mid - 1] + sorted[mid]) / 2;
}
