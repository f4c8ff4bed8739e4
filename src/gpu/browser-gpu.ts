import { GpuContext } from './context';
import { NoWebGpuError } from './errors';

/**
 * The only place the browser is asked for a WebGPU adapter. Throws
 * `NoWebGpuError` with what to do when WebGPU is missing.
 */
export async function browserGpu(): Promise<GpuContext> {
  if (!globalThis.isSecureContext) {
    throw new NoWebGpuError(
      `WebGPU needs a secure context, and ${location.origin} is not one. Open the lab from https:// or from http://localhost.`,
    );
  }
  if (!('gpu' in navigator) || !navigator.gpu) {
    throw new NoWebGpuError(
      'This browser has no WebGPU (navigator.gpu is missing). Use Chrome or Edge 113 or newer on a desktop; ' +
        'on Linux start Chrome with --enable-unsafe-webgpu (and --enable-features=Vulkan), or enable chrome://flags/#enable-unsafe-webgpu.',
    );
  }
  const adapter = await navigator.gpu.requestAdapter({ powerPreference: 'high-performance' });
  if (!adapter) {
    throw new NoWebGpuError(
      'WebGPU is present but no adapter was offered (GPU blocklisted or drivers missing). Check chrome://gpu; ' +
        'chrome://flags/#enable-unsafe-webgpu forces it on, and --use-webgpu-adapter=swiftshader gives a slow CPU fallback.',
    );
  }
  return GpuContext.fromAdapter(adapter);
}
