import type { Binding, GpuContext } from '../gpu/context';

/**
 * A storage binding of just the elements [first, end) of `buffer`, so a kernel
 * reading a chunk of a buffer bigger than maxStorageBufferBindingSize still
 * binds. The binding starts at the largest multiple of
 * minStorageBufferOffsetAlignment (WebGPU §3.6.2) at or below `first`;
 * `offset` is `first` counted from there.
 */
export function elementRange(
  ctx: GpuContext,
  buffer: GPUBuffer,
  first: number,
  end: number,
  bytesPerElement: number,
): { binding: Binding; offset: number } {
  const align = ctx.device.limits.minStorageBufferOffsetAlignment;
  const startByte = Math.floor((first * bytesPerElement) / align) * align;
  // Storage binding sizes are multiples of 4 bytes.
  const endByte = Math.min(buffer.size, Math.ceil((Math.max(end, first + 1) * bytesPerElement) / 4) * 4);
  return {
    binding: { buffer, offset: startByte, size: endByte - startByte },
    offset: (first * bytesPerElement - startByte) / bytesPerElement,
  };
}

/**
 * Whether a stored matrix can be read as vec4s: its rows (the contiguous
 * dimension), its row stride and its offset (in the bound range) are all
 * multiples of 4 elements, so every vec4 lies within one row and starts on a
 * 4-element boundary.
 */
export const vec4Readable = (cols: number, stride: number, offset: number): boolean => cols % 4 === 0 && stride % 4 === 0 && offset % 4 === 0;

const placeholders = new WeakMap<GpuContext, GPUBuffer>();

/**
 * A 16-byte buffer per device for the view of an operand that a pipeline does
 * not read: kernels with vec4 loads bind each operand both as scalars and as
 * vec4s (matmul.wgsl, covariance-gram.wgsl) and read one of the two.
 */
export function unusedView(ctx: GpuContext): GPUBuffer {
  let buffer = placeholders.get(ctx);
  if (!buffer) {
    buffer = ctx.createBuffer(16, 'unused-view');
    placeholders.set(ctx, buffer);
  }
  return buffer;
}
