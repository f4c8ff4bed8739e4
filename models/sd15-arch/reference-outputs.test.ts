/**
 * The narrow stand-in's fp16 text encoder and VAE decoder, loaded by the
 * app's loader and run on wasm, compute what their fp32 PyTorch modules do
 * (narrow/reference/reference.json, export.py), in both naming styles
 * (`nmkd`: torch 1.13's scoped names; `nmkd-unscoped`: torch ≤ 1.12's):
 * - the lab's tokenizer gives the reference's input_ids for the prompt and
 *   the empty prompt, and `encodeText` gives their last_hidden_state;
 * - the VAE decoder session maps the reference latent_sample to `decoded`.
 * The UNet's out_sample and block outputs are checked in
 * unscoped-capture.test.ts.
 *
 * Error measure and bound as there: rel = max|a − b| / max|b| < 1e-2 for an
 * fp16 graph tens of layers deep. Measured (both layouts alike): text rel
 * 4.6e-4 and 6.1e-4, VAE 1.7e-3; the other prompt's row misses by rel 0.69
 * (the test can fail).
 */
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadDiffusionModel, type DiffusionModel } from '../../src/diffusion/diffusion-model';
import { configureWasm } from '../../src/diffusion/ort-runtime';
import { openModelSource } from '../../src/diffusion/sources/node';
import { testGpu } from '../../src/gpu/test-gpu';
import { errors, openReference, type ReferenceIndex } from '../toy/reference-file';

const NARROW = join(__dirname, 'narrow');
const REL_TOL = 1e-2;
const reference = openReference<ReferenceIndex & { prompts: string[] }>('reference.json', join(NARROW, 'reference'));
const measured: string[] = [];

beforeAll(() => {
  configureWasm(1);
});

afterAll(() => {
  if (measured.length) console.info(`narrow text encoder and VAE decoder (fp16, wasm) vs PyTorch fp32 (rel = max|a-b|/max|b|):\n${measured.join('\n')}`);
});

/** Row `i` of a [rows, ...] tensor. */
function row(t: { data: Float32Array | Int32Array; dims: number[] }, i: number): Float32Array | Int32Array {
  const n = t.data.length / t.dims[0];
  return t.data.subarray(i * n, (i + 1) * n);
}

describe.each(['nmkd', 'nmkd-unscoped'])('the %s stand-in\'s text encoder and VAE decoder match PyTorch', (layout) => {
  let model: DiffusionModel;
  beforeAll(async () => {
    model = await loadDiffusionModel(await openModelSource(join(NARROW, layout)), { provider: 'wasm', hook: null, gpu: testGpu });
  }, 120_000);
  afterAll(async () => {
    await model?.release();
  });

  it('tokenizes the prompts to the reference ids and encodes them to last_hidden_state', async () => {
    const ids = reference.read('input_ids');
    const hidden = reference.read('last_hidden_state');
    const encoded: Float32Array[] = [];
    for (const [i, prompt] of reference.index.prompts.entries()) {
      expect(Array.from(model.tokenizer.encode(prompt)), `ids of "${prompt}"`).toEqual(Array.from(row(ids, i)));
      encoded.push(await model.encodeText(prompt));
      const e = errors(encoded[i], row(hidden, i));
      measured.push(`  ${layout} last_hidden_state "${prompt}": max abs ${e.maxAbs.toExponential(2)}, rel ${e.rel.toExponential(2)}`);
      expect(e.rel).toBeLessThan(REL_TOL);
    }
    const swapped = errors(encoded[0], row(hidden, 1));
    measured.push(`  ${layout} last_hidden_state of the prompt against the empty prompt's: rel ${swapped.rel.toExponential(2)}`);
    expect(swapped.rel).toBeGreaterThan(10 * REL_TOL);
  });

  it('decodes the reference latent_sample to `decoded`', async () => {
    const latent = reference.read('latent_sample');
    const out = await model.vaeDecoder.run({ latent_sample: { data: Float32Array.from(latent.data), dims: latent.dims } }, ['sample']);
    const want = reference.read('decoded');
    expect(out.sample.dims).toEqual(want.dims);
    const e = errors(out.sample.data!, want.data);
    out.sample.dispose();
    measured.push(`  ${layout} decoded: max abs ${e.maxAbs.toExponential(2)}, rel ${e.rel.toExponential(2)}`);
    expect(e.rel).toBeLessThan(REL_TOL);
  });
});
