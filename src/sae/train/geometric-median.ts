import type { GpuContext } from '../../gpu/context';
import { fillWords } from './fill';

const WG = 64;

/**
 * out = the geometric median of the rows of `points` by `iterations` Weiszfeld
 * steps from the mean (shaders/sae-geometric-median.wgsl); iterations = 0
 * gives the mean. points: [rows, dIn] f32; out: [dIn] f32. Records dispatches
 * only: no readback, a fixed number of steps.
 */
export function geometricMedian(ctx: GpuContext, args: { points: GPUBuffer; rows: number; dIn: number; iterations: number; out: GPUBuffer }): void {
  const { points, rows, dIn, iterations, out } = args;
  if (points.size < rows * dIn * 4) throw new RangeError(`geometricMedian points ("${points.label}") holds ${points.size / 4} f32, but rows · dIn = ${rows * dIn}`);
  const weights = ctx.createBuffer(rows * 4, 'geometricMedian.weights');
  fillWords(ctx, weights, rows, { f32: 1 });
  const update = () =>
    ctx.dispatch({ shader: 'sae-geometric-median', entryPoint: 'update', bindings: [points, weights, out], params: [rows, dIn], workgroups: [Math.ceil(dIn / WG)] });
  update();
  for (let i = 0; i < iterations; i++) {
    ctx.dispatch({ shader: 'sae-geometric-median', entryPoint: 'weights', bindings: [points, out, weights], params: [rows, dIn], workgroups: [Math.ceil(rows / WG)] });
    update();
  }
  // Destroyed once the queue has run the work recorded above.
  ctx.submit();
  void ctx.device.queue.onSubmittedWorkDone().then(() => weights.destroy());
}
