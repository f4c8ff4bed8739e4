/**
 * The Node half of ort-runtime.ts: onnxruntime-web's WebGPU provider on Dawn
 * (the `webgpu` package). Node only: the browser bundle must not reach it.
 *
 * In Node `onnxruntime-web` resolves to its wasm-only build (no "webgpu"
 * backend is registered), so the WebGPU provider needs the browser JSEP
 * bundle, `dist/ort.bundle.min.mjs`, the same build the page runs. Two
 * things make that bundle run on Dawn, checked on Mesa lavapipe (Node 20,
 * webgpu 0.6.2, onnxruntime-web 1.30):
 *  - navigator.gpu: ORT asks `navigator.gpu.requestAdapter()` for its
 *    device, so navigator.gpu must be Dawn's `GPU` (Node 20 has no
 *    navigator at all);
 *  - shared memory in writeBuffer: the JSEP build's wasm memory is a
 *    SharedArrayBuffer and ORT uploads straight from it
 *    (jsep/webgpu/gpu-data-manager.ts `upload`). Browsers accept shared
 *    sources (WebGPU's AllowSharedBufferSource); Dawn's Node bindings throw
 *    "TypeError: no overload matched for writeBuffer", so shared sources are
 *    copied to an ArrayBuffer first.
 */
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { useOrtBuild, type OrtBuild } from './ort-runtime';

let switched: Promise<void> | undefined;

/** Switches the process to the JSEP build on `gpu` (Dawn's GPU object), once, before the first session. */
export function useNodeWebGpu(gpu: GPU): Promise<void> {
  switched ??= (async () => {
    installNavigatorGpu(gpu);
    allowSharedWriteBuffer();
    // The package's exports map has no path for the bundle: resolve the package's dist folder, import the file.
    const dist = dirname(createRequire(import.meta.url).resolve('onnxruntime-web'));
    const build = (await import(/* @vite-ignore */ pathToFileURL(join(dist, 'ort.bundle.min.mjs')).href)) as OrtBuild;
    useOrtBuild(build);
  })();
  return switched;
}

function installNavigatorGpu(gpu: GPU): void {
  const g = globalThis as { navigator?: object };
  // Node ≥ 21 has a navigator without gpu (a getter on globalThis); Node 20 has none.
  if (!g.navigator) Object.defineProperty(globalThis, 'navigator', { value: {}, configurable: true, writable: true });
  Object.defineProperty(g.navigator!, 'gpu', { value: gpu, configurable: true });
}

function allowSharedWriteBuffer(): void {
  const proto = (globalThis as { GPUQueue?: { prototype: GPUQueue } }).GPUQueue?.prototype;
  if (!proto) throw new Error("useNodeWebGpu: GPUQueue is not defined; create Dawn's GPU (gpu/node-gpu.ts nodeDawn) first");
  const writeBuffer = proto.writeBuffer as (this: GPUQueue, ...args: unknown[]) => undefined;
  if ((writeBuffer as { sharedCopy?: boolean }).sharedCopy) return;
  const patched = function (this: GPUQueue, buffer: GPUBuffer, bufferOffset: number, data: BufferSource | SharedArrayBuffer, dataOffset?: number, size?: number): undefined {
    if (data instanceof SharedArrayBuffer) {
      // Offset and size count bytes here (WebGPU spec, GPUQueue.writeBuffer).
      const start = dataOffset ?? 0;
      const copy = new Uint8Array(data, start, size ?? data.byteLength - start).slice();
      return writeBuffer.call(this, buffer, bufferOffset, copy, 0, copy.byteLength);
    }
    if (ArrayBuffer.isView(data) && data.buffer instanceof SharedArrayBuffer) {
      // A typed array's offset and size count elements: a copy of the same type keeps them meaning the same.
      const bytes = new Uint8Array(data.buffer, data.byteOffset, data.byteLength).slice();
      const copy = data instanceof DataView ? new DataView(bytes.buffer) : new (data.constructor as new (b: ArrayBuffer) => ArrayBufferView)(bytes.buffer);
      return writeBuffer.call(this, buffer, bufferOffset, copy, dataOffset, size);
    }
    return writeBuffer.call(this, buffer, bufferOffset, data, dataOffset, size);
  };
  (patched as { sharedCopy?: boolean }).sharedCopy = true;
  proto.writeBuffer = patched as GPUQueue['writeBuffer'];
}
