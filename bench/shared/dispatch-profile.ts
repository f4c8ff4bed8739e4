/**
 * Where the GPU time of a piece of recorded work goes, dispatch by dispatch:
 * the work is recorded once with GpuContext.dispatch watched, then every
 * dispatch it made is replayed alone, in the original order (so buffers that
 * carry state from one dispatch to the next, like a radix select's, evolve as
 * in the real run), and timed with timeGpu (timestamp queries where the
 * device has them, else wall time to an idle queue, which adds the cost of a
 * submit to each).
 */
import type { DispatchDescription, GpuContext } from '../../src/gpu/context';
import { timeGpu } from '../../src/gpu/timing';

export interface DispatchCost {
  /** shader:entryPoint */
  kernel: string;
  /** Dispatches of this kernel in the work. */
  count: number;
  /** Their summed time: the fastest of the replays, dispatch by dispatch. */
  ms: number;
  /** Each dispatch's time, in the order of the work. */
  msEach: number[];
}

/** Runs `record` (which must record dispatches through `ctx`) and returns the cost of each kernel it used, most expensive first. */
export async function profileDispatches(ctx: GpuContext, record: () => Promise<void>, replays: number): Promise<DispatchCost[]> {
  const captured: DispatchDescription[] = [];
  const dispatch = ctx.dispatch;
  ctx.dispatch = (d) => {
    captured.push(d);
    dispatch.call(ctx, d);
  };
  try {
    await record();
    await ctx.sync();
  } finally {
    ctx.dispatch = dispatch;
  }
  const fastest = captured.map(() => Infinity);
  for (let replay = 0; replay < replays; replay++) {
    for (const [i, d] of captured.entries()) fastest[i] = Math.min(fastest[i], await timeGpu(ctx, () => ctx.dispatch(d)));
  }
  const byKernel = new Map<string, DispatchCost>();
  for (const [i, d] of captured.entries()) {
    const kernel = `${d.shader}:${d.entryPoint ?? 'main'}`;
    const cost = byKernel.get(kernel) ?? { kernel, count: 0, ms: 0, msEach: [] };
    cost.count++;
    cost.ms += fastest[i];
    cost.msEach.push(fastest[i]);
    byKernel.set(kernel, cost);
  }
  return [...byKernel.values()].sort((a, b) => b.ms - a.ms);
}
