import { vi } from 'vitest';
import { GpuContext, type DispatchDescription } from './context';
import { nodeGpu } from './node-gpu';

let shared: Promise<GpuContext> | undefined;

/**
 * The GPU for tests (tests only): one Dawn device per test process. Fails
 * loudly — never skips — when no adapter can be had, so a machine without
 * WebGPU cannot pass the GPU tests.
 */
export function testGpu(): Promise<GpuContext> {
  shared ??= nodeGpu();
  return shared;
}

const posing = new Map<boolean, Promise<GpuContext>>();

/**
 * The test device posing as a CPU adapter or as a GPU (tests only): kernels
 * that size their workgroups or pick their path by the adapter
 * (workgroupThreads, SERIAL) run both ways on one device. A view sharing the
 * test context's pipelines, which keeps the device's loss and error events.
 */
export function testGpuAs(adapter: 'cpu' | 'gpu'): Promise<GpuContext> {
  const cpu = adapter === 'cpu';
  let view = posing.get(cpu);
  if (!view) {
    view = testGpu().then((ctx) => new GpuContext(ctx.device, { ...ctx.summary, isFallbackAdapter: cpu }, { pipelines: ctx.pipelines }));
    posing.set(cpu, view);
  }
  return view;
}

/** Records every dispatch the context makes (and still runs it) until `stop()`. */
export function recordDispatches(ctx: GpuContext): { dispatches: DispatchDescription[]; stop: () => void } {
  const dispatches: DispatchDescription[] = [];
  const dispatch = ctx.dispatch.bind(ctx);
  const spy = vi.spyOn(ctx, 'dispatch').mockImplementation((d) => {
    dispatches.push(d);
    dispatch(d);
  });
  return { dispatches, stop: () => spy.mockRestore() };
}
