/**
 * Where the GPU time of a piece of recorded work goes, dispatch by dispatch:
 * the work is recorded once with GpuContext.dispatch watched, then replayed
 * in the original order (so buffers that carry state from one dispatch to
 * the next, like a radix select's, evolve as in the real run). Two ways:
 *  - 'alone' (where the device has timestamp queries): each dispatch replayed
 *    alone and timed with timeGpu;
 *  - 'marginal' (without them): a dispatch timed alone would cost a submit
 *    and a wait to an idle queue, milliseconds on an emulated adapter, which
 *    hides what it adds inside the work. So the whole work is replayed, and
 *    again with one dispatch recorded EXTRA more times in its place; the
 *    difference over EXTRA is what that dispatch adds (its launch included).
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

/** Extra copies of a dispatch in the 'marginal' replays: enough to stand out of a shared machine's noise. */
export const EXTRA = 4;

export type ProfileTiming = 'alone' | 'marginal';

/** The timing profileDispatches uses on `ctx` by default. */
export const defaultProfileTiming = (ctx: GpuContext): ProfileTiming => (ctx.summary.features.timestampQuery ? 'alone' : 'marginal');

/** Runs `record` (which must record dispatches through `ctx`) and returns the cost of each kernel it used, most expensive first. */
export async function profileDispatches(ctx: GpuContext, record: () => Promise<void>, replays: number, timing = defaultProfileTiming(ctx)): Promise<DispatchCost[]> {
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
  const fastest = timing === 'alone' ? await aloneTimes(ctx, captured, replays) : await marginalTimes(ctx, captured, replays);
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

async function aloneTimes(ctx: GpuContext, captured: readonly DispatchDescription[], replays: number): Promise<number[]> {
  const fastest = captured.map(() => Infinity);
  for (let replay = 0; replay < replays; replay++) {
    for (const [i, d] of captured.entries()) fastest[i] = Math.min(fastest[i], await timeGpu(ctx, () => ctx.dispatch(d)));
  }
  return fastest;
}

async function marginalTimes(ctx: GpuContext, captured: readonly DispatchDescription[], replays: number): Promise<number[]> {
  const replay = (extraAt: number) => () => {
    for (const [i, d] of captured.entries()) for (let n = i === extraAt ? 1 + EXTRA : 1; n > 0; n--) ctx.dispatch(d);
  };
  let whole = Infinity;
  const fastest = captured.map(() => Infinity);
  for (let r = 0; r < replays; r++) {
    whole = Math.min(whole, await timeGpu(ctx, replay(-1)));
    for (const i of captured.keys()) fastest[i] = Math.min(fastest[i], await timeGpu(ctx, replay(i)));
  }
  // Noise can make a cheap dispatch's difference negative: it adds nothing measurable.
  return fastest.map((t) => Math.max(0, (t - whole) / EXTRA));
}
