import * as ort from 'onnxruntime-web';
import { describe, expect, it } from 'vitest';
import { gaussianArray, seededRandom } from '../src/gpu/random';
import { onnxMatmulModel, type OnnxMatmulLayout } from './onnx-matmul-model';

// onnxruntime-web's CPU (wasm) backend in Node reads the model we encode; one
// thread, because the test machine's cores are shared.
ort.env.wasm.numThreads = 1;

/** C = op(A)·B in float64; A is [m, k] ('nn') or [k, m] ('tn'), B [k, n]. */
function referenceMatmul(layout: OnnxMatmulLayout, a: Float32Array, b: Float32Array, m: number, n: number, k: number): Float64Array {
  const c = new Float64Array(m * n);
  for (let i = 0; i < m; i++) {
    for (let j = 0; j < n; j++) {
      let sum = 0;
      for (let p = 0; p < k; p++) sum += (layout === 'nn' ? a[i * k + p] : a[p * m + i]) * b[p * n + j];
      c[i * n + j] = sum;
    }
  }
  return c;
}

describe('onnxMatmulModel', () => {
  for (const layout of ['nn', 'tn'] as const) {
    it(`'${layout}' multiplies correctly at several shapes with one session (symbolic dims)`, async () => {
      const session = await ort.InferenceSession.create(onnxMatmulModel(layout), { executionProviders: ['wasm'] });
      expect(session.inputNames).toEqual(['A', 'B']);
      expect(session.outputNames).toEqual(['C']);
      const random = seededRandom(layout === 'nn' ? 11 : 12);
      for (const [m, n, k] of [[7, 5, 13], [1, 9, 3], [17, 2, 64]]) {
        const a = gaussianArray(m * k, random);
        const b = gaussianArray(k * n, random);
        const { C } = await session.run({
          A: new ort.Tensor('float32', a, layout === 'nn' ? [m, k] : [k, m]),
          B: new ort.Tensor('float32', b, [k, n]),
        });
        expect(C.dims).toEqual([m, n]);
        const got = C.data as Float32Array;
        const want = referenceMatmul(layout, a, b, m, n, k);
        // Entries are sums of k unit-variance products; f32 rounding error grows like √k.
        const tolerance = 1e-5 * Math.sqrt(k);
        for (let i = 0; i < m * n; i++) expect(Math.abs(got[i] - want[i])).toBeLessThan(tolerance);
      }
      await session.release();
    });
  }

  it('names the allowed layouts when given an unknown one', () => {
    expect(() => onnxMatmulModel('nt' as OnnxMatmulLayout)).toThrow(/"nt" is unknown\. Should be one of: nn, tn/);
  });
});
