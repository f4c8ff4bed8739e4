/**
 * The toy's preview decoder, public/models/toy/taesd_decoder/model.onnx,
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
import { errors, openReference, type ReferenceIndex } from './reference-file';

const here = dirname(fileURLToPath(import.meta.url));
const modelDir = join(here, '..', '..', 'public', 'models', 'toy');
const TOL = 1e-4;

const manifest = JSON.parse(readFileSync(join(modelDir, 'manifest.json'), 'utf8')) as {
  previewDecoder: { file: string; input: string; output: string; latentScaling: string; outputRange: number[] };
};
const reference = openReference<ReferenceIndex>('taesd-reference.json');

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
    const latent = reference.read('latent_sample');
    const want = reference.read('preview');
    expect(latent.dims).toEqual([3, 4, 16, 16]);
    const out = await session.run({ latent_sample: new ort.Tensor('float32', latent.data, latent.dims) });
    expect(out.sample.dims).toEqual([3, 3, 64, 64]);
    expect(errors(out.sample.data as Float32Array, want.data).rel).toBeLessThan(TOL);
    await session.release();
  });
});
