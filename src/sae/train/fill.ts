import type { GpuContext } from '../../gpu/context';
import { workgroupGrid } from '../../gpu/dispatch-grid';

const WG = 256;

/**
 * Records `buffer[0..n) = value` (u32 words; pass an f32 as `{ f32: x }`) in
 * order with the surrounding dispatches (shaders/fill-u32.wgsl). A generic
 * kernel; the SAE uses it to reset counters and accumulators.
 */
export function fillWords(ctx: GpuContext, buffer: GPUBuffer, n: number, value: number | { f32: number } = 0): void {
  if (!Number.isInteger(n) || n < 0 || n * 4 > buffer.size) {
    throw new RangeError(`fillWords n = ${n}, but "${buffer.label}" holds ${buffer.size / 4} words`);
  }
  if (n === 0) return;
  const bits = typeof value === 'number' ? value : new Uint32Array(new Float32Array([value.f32]).buffer)[0];
  const [x, y] = workgroupGrid(ctx, Math.ceil(n / WG));
  ctx.dispatch({ shader: 'fill-u32', bindings: [buffer], params: [n, bits, x * WG], workgroups: [x, y] });
}
