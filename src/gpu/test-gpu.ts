import type { GpuContext } from './context';
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
