/**
 * The toy's preview decoder (issue 8), public/models/toy/taesd_decoder/model.onnx,
 * through onnxruntime-web's wasm backend against the PyTorch outputs that
 * models/toy/train_taesd.py stored for three held-out latents
 * (reference/taesd-reference.{json,bin}: raw little-endian float32).
 *
 * Error measure as in toy-model.test.ts: max|a−b| / max|b| ≤ 1e-4 (fp32 on both
 * sides, different convolution kernels).
 */
import { readFileSync, statSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import * as ort from 'onnxruntime-web';
import { describe, expect, it } from 'vitest';

const here = dirname(fileURLToPath(import.meta.url));
const modelDir = join(here, '..', '..', 'public', 'models', 'toy');
const refDir = join(here, 'reference');
const TOL = 1e-4;

interface RefIndex {
  file: string;
  tensors: Record<string, { offset: number; dtype: 'float32'; shape: number[] }>;
}
const manifest = JSON.parse(readFileSync(join(modelDir, 'manifest.json'), 'utf8')) as {
  previewDecoder: { file: string; input: string; output: string; latentScaling: string; outputRange: number[] };
};
const refIndex = JSON.parse(readFileSync(join(refDir, 'taesd-reference.json'), 'utf8')) as RefIndex;
const refBytes = readFileSync(join(refDir, refIndex.file));

function ref(name: string): { data: Float32Array; dims: number[] } {
  const e = refIndex.tensors[name];
  if (!e) throw new Error(`no reference tensor "${name}"; have: ${Object.keys(refIndex.tensors).join(', ')}`);
  const n = e.shape.reduce((a, b) => a * b, 1);
  return { data: new Float32Array(refBytes.buffer.slice(refBytes.byteOffset + e.offset, refBytes.byteOffset + e.offset + 4 * n)), dims: e.shape };
}

function relErr(a: ArrayLike<number>, b: ArrayLike<number>): number {
  expect(a.length).toBe(b.length);
  let num = 0;
  let den = 0;
  for (let i = 0; i < a.length; i++) {
    num = Math.max(num, Math.abs(a[i] - b[i]));
    den = Math.max(den, Math.abs(b[i]));
  }
  return num / den;
}

describe('toy preview decoder (TAESD-style)', () => {
  it('is listed in the manifest as train_taesd.py writes it, and is small', () => {
    expect(manifest.previewDecoder).toEqual({ file: 'taesd_decoder/model.onnx', input: 'latent_sample', output: 'sample', latentScaling: 'scaled', outputRange: [-1, 1] });
    expect(statSync(join(modelDir, manifest.previewDecoder.file)).size).toBeLessThan(256 * 1024);
  });

  it('gives PyTorch’s output on the stored latents, batch 3 (dynamic batch axis)', async () => {
    ort.env.wasm.numThreads = 1;
    const session = await ort.InferenceSession.create(readFileSync(join(modelDir, manifest.previewDecoder.file)), { executionProviders: ['wasm'] });
    expect(session.inputNames).toEqual(['latent_sample']);
    expect(session.outputNames).toEqual(['sample']);
    const latent = ref('latent_sample');
    const want = ref('preview');
    expect(latent.dims).toEqual([3, 4, 16, 16]);
    const out = await session.run({ latent_sample: new ort.Tensor('float32', latent.data, latent.dims) });
    expect(out.sample.dims).toEqual([3, 3, 64, 64]);
    expect(relErr(out.sample.data as Float32Array, want.data)).toBeLessThan(TOL);
    await session.release();
  });
});
