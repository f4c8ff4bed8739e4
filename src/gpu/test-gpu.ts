import { vi } from 'vitest';
import type { DispatchDescription, GpuContext } from './context';
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
