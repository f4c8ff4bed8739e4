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
