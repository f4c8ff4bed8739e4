import * as ort from 'onnxruntime-web';
import { onnxMatmulModel } from '../onnx-matmul-model';
import type { MatmulCase } from './cases';
import type { PreparedProduct } from './product';

/** onnxruntime-web's WebGPU execution provider running a one-node MatMul / Gemm model. The only bench module that imports onnxruntime. */
export interface OrtMatmul {
  name: string;
  /** The GPUDevice ORT made for its WebGPU EP; the other contestants run on it too, as the lab's kernels do. */
  device: GPUDevice;
  prepare(c: MatmulCase, a: GPUBuffer, b: GPUBuffer): PreparedProduct;
  release(): Promise<void>;
}

export async function createOrtMatmul(): Promise<OrtMatmul> {
  // Outputs stay on the GPU so that a run is the product only, not its download.
  const options: ort.InferenceSession.SessionOptions = { executionProviders: ['webgpu'], preferredOutputLocation: 'gpu-buffer' };
  const sessions = {
    nn: await ort.InferenceSession.create(onnxMatmulModel('nn'), options),
    tn: await ort.InferenceSession.create(onnxMatmulModel('tn'), options),
  };
  // Set once the first WebGPU session exists; ORT ignores a device set into env.webgpu.device before its first session.
  const device = await ort.env.webgpu.device;
  return {
    name: `onnxruntime-web ${ort.env.versions.web} webgpu`,
    device,
    prepare(c, a, b) {
      const session = sessions[c.layout];
      const feeds = {
        A: ort.Tensor.fromGpuBuffer(a, { dataType: 'float32', dims: c.layout === 'nn' ? [c.m, c.k] : [c.k, c.m] }),
        B: ort.Tensor.fromGpuBuffer(b, { dataType: 'float32', dims: [c.k, c.n] }),
      };
      let out: ort.Tensor | null = null;
      return {
        async run() {
          out?.dispose();
          out = (await session.run(feeds)).C;
        },
        async result() {
          if (!out) throw new Error(`ORT ${c.name}: result() before run()`);
          return (await out.getData()) as Float32Array;
        },
        dispose() {
          out?.dispose();
          out = null;
        },
      };
    },
    async release() {
      await sessions.nn.release();
      await sessions.tn.release();
    },
  };
}
