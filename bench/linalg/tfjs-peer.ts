import * as tf from '@tensorflow/tfjs-core';
import { submitTfjs, tensorOnBuffer, tfjsOnDevice } from '../shared/tfjs-webgpu';
import type { MatmulCase } from './cases';
import type { PreparedProduct } from './product';

/** TensorFlow.js's WebGPU backend `matMul`, on a device we hand it. */
export interface TfjsMatmul {
  name: string;
  prepare(c: MatmulCase, a: GPUBuffer, b: GPUBuffer): PreparedProduct;
}

/** TF.js on `device` (bench/shared/tfjs-webgpu.ts), reading our input buffers in place. */
export async function createTfjsMatmul(device: GPUDevice): Promise<TfjsMatmul> {
  const backend = await tfjsOnDevice(device);
  return {
    name: `tfjs ${tf.version_core} webgpu`,
    prepare(c, a, b) {
      const ta = tensorOnBuffer(a, c.layout === 'nn' ? [c.m, c.k] : [c.k, c.m]);
      const tb = b === a ? ta : tensorOnBuffer(b, [c.k, c.n]);
      let out: tf.Tensor | null = null;
      return {
        async run() {
          out?.dispose();
          out = tf.matMul(ta, tb, c.layout === 'tn', false);
          submitTfjs(backend);
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
