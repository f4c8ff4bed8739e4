import { WebGPUBackend } from '@tensorflow/tfjs-backend-webgpu';
import * as tf from '@tensorflow/tfjs-core';
import type { MatmulCase } from './cases';
import type { PreparedProduct } from './measure';

/** TensorFlow.js's WebGPU backend `matMul`, on a device we hand it. */
export interface TfjsMatmul {
  name: string;
  prepare(c: MatmulCase, a: GPUBuffer, b: GPUBuffer): PreparedProduct;
}

/**
 * TF.js on `device`: the package registers a 'webgpu' backend that asks for
 * its own device; it is replaced by one on ours so all contestants share one
 * device and the same input buffers. The kernels are registered under the
 * name 'webgpu', so the backend keeps that name.
 */
export async function createTfjsMatmul(device: GPUDevice): Promise<TfjsMatmul> {
  tf.removeBackend('webgpu');
  tf.registerBackend('webgpu', () => new WebGPUBackend(device, device.adapterInfo));
  if (!(await tf.setBackend('webgpu'))) throw new Error('TF.js could not start its WebGPU backend on the shared device');
  const backend = tf.backend() as WebGPUBackend;
  return {
    name: `tfjs ${tf.version_core} webgpu`,
    prepare(c, a, b) {
      // zeroCopy: the tensors read our buffers in place (and leave them alone on dispose).
      const ta = tf.tensor({ buffer: a, zeroCopy: true }, c.layout === 'nn' ? [c.m, c.k] : [c.k, c.m], 'float32');
      const tb = b === a ? ta : tf.tensor({ buffer: b, zeroCopy: true }, [c.k, c.n], 'float32');
      let out: tf.Tensor | null = null;
      return {
        async run() {
          out?.dispose();
          out = tf.matMul(ta, tb, c.layout === 'tn', false);
          // TF.js batches dispatches until a read or a full batch; submit now (as its read() does) so the wait covers this run.
          backend.endComputePassEncoder();
          backend.submitQueue();
        },
        async result() {
          if (!out) throw new Error(`TF.js ${c.name}: result() before run()`);
          return (await out.data()) as Float32Array;
        },
        dispose() {
          out?.dispose();
          out = null;
          ta.dispose();
          tb.dispose();
        },
      };
    },
  };
}
