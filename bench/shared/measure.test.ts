import { afterEach, describe, expect, it, vi } from 'vitest';
import { wallTimes, type TimedRun } from './measure';

/** A device whose queue is always idle: the contestants' run() is all the time there is. */
const idleDevice = { queue: { onSubmittedWorkDone: () => Promise.resolve() } } as unknown as GPUDevice;

describe('wallTimes', () => {
  afterEach(() => vi.restoreAllMocks());

  it('times only the runs after warm-up, each contestant once a round, and reports median and minimum', async () => {
    let clock = 0;
    vi.spyOn(performance, 'now').mockImplementation(() => clock);
    const order: string[] = [];
    // Each contestant's n-th run takes durations[n] ms.
    const contestant = (name: string, durations: number[]): TimedRun => {
      let n = 0;
      return {
        run: async () => {
          order.push(name);
          clock += durations[n++];
        },
      };
    };
    const [a, b] = await wallTimes(
      idleDevice,
      [contestant('a', [1000, 1000, 5, 3, 9]), contestant('b', [1000, 1000, 4, 8, 2])],
      { warmup: 2, runs: 3 },
    );
    expect(a).toEqual({ medianMs: 5, minMs: 3 });
    expect(b).toEqual({ medianMs: 4, minMs: 2 });
    for (let round = 0; round < 5; round++) expect(order.slice(2 * round, 2 * round + 2).sort()).toEqual(['a', 'b']);
  });

  it('shuffles the order every round: a contestant does not always follow the same one', async () => {
    const order: string[] = [];
    const named = (name: string): TimedRun => ({ run: async () => void order.push(name) });
    await wallTimes(idleDevice, ['peer', 'ours', 'ours again', 'encoder'].map(named), { warmup: 0, runs: 12 });
    for (const name of ['peer', 'ours', 'ours again', 'encoder']) {
      const before = new Set(order.flatMap((x, i) => (x === name && i > 0 ? [order[i - 1]] : [])));
      expect(before.size, name).toBeGreaterThan(1);
    }
  });
});
