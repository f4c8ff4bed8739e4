/**
 * One way of timing for every contestant: wall time from the start of a run
 * until the device has finished all GPU work it submitted, with the inputs
 * already in GPU buffers (no uploads) and the output left on the GPU (no
 * downloads). Warm-up runs come first so that pipeline compilation and the
 * libraries' buffer pools are not counted; the result is the median of the
 * timed runs.
 */

/** A product whose inputs are on the GPU, ready to run repeatedly. */
export interface PreparedProduct {
  /** Records and submits one product. The caller waits for the device to finish it. */
  run(): Promise<void>;
  /** C [m, n] row-major, from the last run. */
  result(): Promise<Float32Array>;
  /** Frees what `run` allocated (outputs, library tensors), not the shared inputs. */
  dispose(): void;
}

export interface TimingOptions {
  warmup: number;
  runs: number;
}

/**
 * Median wall milliseconds of each product over `runs` timed runs, after
 * `warmup` untimed ones. The products take turns run by run, so a slow spell
 * of a shared machine falls on all of them alike.
 */
export async function medianWallMs(device: GPUDevice, products: readonly PreparedProduct[], { warmup, runs }: TimingOptions): Promise<number[]> {
  const times = products.map((): number[] => []);
  for (let i = 0; i < warmup + runs; i++) {
    for (const [p, product] of products.entries()) {
      // Start from an idle queue so earlier work is not counted.
      await device.queue.onSubmittedWorkDone();
      const start = performance.now();
      await product.run();
      await device.queue.onSubmittedWorkDone();
      if (i >= warmup) times[p].push(performance.now() - start);
    }
  }
  return times.map(median);
}

function median(values: number[]): number {
  const sorted = [...values].sort((x, y) => x - y);
  const mid = sorted.length >> 1;
  return sorted.length % 2 ? sorted[mid] : (sorted[mid - 1] + sorted[mid]) / 2;
}
