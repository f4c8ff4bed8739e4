import { WebGPUBackend } from '@tensorflow/tfjs-backend-webgpu';
import * as tf from '@tensorflow/tfjs-core';

/**
 * TF.js's WebGPU backend on `device`: the package registers a 'webgpu'
 * backend that asks for its own device; it is replaced by one on ours so all
 * contestants share one device and the same input buffers. The kernels are
 * registered under the name 'webgpu', so the backend keeps that name.
 */
export async function tfjsOnDevice(device: GPUDevice): Promise<WebGPUBackend> {
  tf.removeBackend('webgpu');
  tf.registerBackend('webgpu', () => new WebGPUBackend(device, device.adapterInfo));
  if (!(await tf.setBackend('webgpu'))) throw new Error('TF.js could not start its WebGPU backend on the shared device');
  return tf.backend() as WebGPUBackend;
}

/** TF.js batches dispatches until a read or a full batch; submit now (as its read() does) so a wait on the queue covers them. */
export function submitTfjs(backend: WebGPUBackend): void {
  backend.endComputePassEncoder();
  backend.submitQueue();
}

/** A tensor that reads `buffer` in place (zeroCopy: disposing it leaves the buffer alone). */
export function tensorOnBuffer(buffer: GPUBuffer, shape: number[]): tf.Tensor {
  return tf.tensor({ buffer, zeroCopy: true }, shape, 'float32');
}
