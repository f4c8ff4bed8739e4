import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { parseManifest, type ModelManifest } from './manifest';
import { attentionScoreBytes, ModelFitError, modelFitProblems, wasmHeapEstimate, WASM_HEAP_BYTES, type AdapterFacts, type FitInput } from './model-fit';

const root = join(__dirname, '..', '..');
const load = (path: string) => parseManifest(JSON.parse(readFileSync(join(root, path), 'utf8')), path);
const sd15 = load('public/models/sd15-nmkd-fp16/manifest.json');
const toy = load('public/models/toy/manifest.json');
const narrow = load('models/sd15-arch/narrow/nmkd/manifest.json');
const MiB = 2 ** 20;

/** A fake adapter: the features listed, limits as given (Chrome's defaults without raising them: 128 MiB / 256 MiB). */
function adapter(features: string[], limits: Partial<AdapterFacts['limits']> = {}): AdapterFacts {
  return { features: new Set(features), limits: { maxStorageBufferBindingSize: 128 * MiB, maxBufferSize: 256 * MiB, ...limits } };
}
const desktop = adapter(['shader-f16'], { maxStorageBufferBindingSize: 2 ** 31 - 4, maxBufferSize: 2 ** 31 });
const sizes = (m: ModelManifest) => (path: string) => m.files[path]?.bytes ?? null;
const fit = (m: ModelManifest, rest: Partial<FitInput>) => modelFitProblems({ manifest: m, provider: 'webgpu', adapter: desktop, fileBytes: sizes(m), ...rest });

describe('modelFitProblems', () => {
  it('passes SD 1.5 on a desktop GPU with shader-f16, and the toy and the narrow stand-in anywhere', () => {
    expect(fit(sd15, {})).toEqual([]);
    for (const m of [toy, narrow]) {
      expect(fit(m, { provider: 'wasm', adapter: null })).toEqual([]);
      expect(fit(m, { adapter: adapter(['shader-f16']) })).toEqual([]);
    }
  });

  it('refuses an fp16 model on the WebGPU provider without shader-f16, naming the fix', () => {
    const [problem, ...rest] = fit(sd15, { adapter: adapter([], desktop.limits) });
    expect(rest).toEqual([]);
    expect(problem.check).toBe('shader-f16');
    expect(problem.message).toBe(`sd15-nmkd-fp16 is an fp16 model, and this GPU adapter lacks WebGPU's "shader-f16" feature, which onnxruntime's WebGPU provider needs for fp16 graphs.`);
    expect(problem.fix).toMatch(/^Use a browser and GPU that offer shader-f16 .*, or an fp32 export of the model\.$/);
    // fp32 models and the wasm provider do not need it.
    expect(fit(toy, { adapter: adapter([], desktop.limits) })).toEqual([]);
  });

  it('refuses SD 1.5 on the wasm provider at 512 px and at 64 px: its fp16 weights and their fp32 copies alone exceed 4 GiB', () => {
    const heap = wasmHeapEstimate(sd15, sizes(sd15));
    // 1,718,976,000 + 1,217,704 (UNet) + 246,476,214 (text) + 99,094,195 (VAE) bytes on disk, × 3 in the heap.
    expect(heap.weights).toBe(3 * (1718976000 + 1217704 + 246476214 + 99094195));
    // [2·8, 4096, 4096] fp32 scores and their softmax at 512 px.
    expect(heap.attention).toBe(2 * 2 * 8 * 4096 * 4096 * 4);
    for (const imageSize of [512, 64]) {
      const [problem] = fit(sd15, { provider: 'wasm', adapter: null, imageSize });
      expect(problem.check).toBe('wasm-memory');
      expect(problem.message).toMatch(new RegExp(`^sd15-nmkd-fp16 needs about [0-9.]+ GiB of wasm memory at ${imageSize} px .*a wasm heap holds at most 4\\.00 GiB\\.$`));
      expect(problem.fix).toBe('Choose the WebGPU provider on a GPU; the wasm provider runs only small models such as the toy.');
    }
    expect(wasmHeapEstimate(sd15, sizes(sd15), 64).total).toBeGreaterThan(WASM_HEAP_BYTES);
  });

  it('refuses an fp32 SD 1.5 on wasm at 512 px, where a smaller fp32 model fits', () => {
    const fp32 = { ...sd15, precision: 'fp32' as const };
    const double = (path: string) => 2 * (sd15.files[path]?.bytes ?? 0);
    expect(modelFitProblems({ manifest: fp32, provider: 'wasm', adapter: null, fileBytes: double }).map((p) => p.check)).toEqual(['wasm-memory']);
    expect(modelFitProblems({ manifest: fp32, provider: 'wasm', adapter: null, fileBytes: (p) => double(p) / 4, imageSize: 256 })).toEqual([]);
  });

  it('refuses a GPU whose buffers cannot hold the largest tensor: attention at 512 px, or a weight read from the graph', () => {
    const small = adapter(['shader-f16']);
    const [problem] = fit(sd15, { adapter: small });
    expect(problem.check).toBe('gpu-limits');
    expect(attentionScoreBytes(sd15, 512, 2)).toBe(16 * 4096 * 4096 * 2);
    expect(problem.message).toBe('sd15-nmkd-fp16: its largest tensor, the attention scores at 512 px, is 512.0 MiB, and this GPU adapter allows 128.0 MiB in one buffer (maxStorageBufferBindingSize 128.0 MiB, maxBufferSize 256.0 MiB).');
    expect(problem.fix).toMatch(/^Use a GPU whose adapter allows larger buffers/);
    // The narrow stand-in at 128 px fits default limits, unless a weight does not.
    expect(fit(narrow, { adapter: small })).toEqual([]);
    const [weight] = fit(narrow, { adapter: small, largestInitializer: { name: 'up_blocks.0.resnets.0.conv1.weight', bytes: 200 * MiB } });
    expect(weight.message).toMatch(/its largest tensor, the UNet weight up_blocks\.0\.resnets\.0\.conv1\.weight, is 200\.0 MiB, and this GPU adapter allows 128\.0 MiB/);
  });

  it('refuses a download the storage cannot hold, with the storage-space message, and passes when the platform does not say', () => {
    const [problem] = fit(sd15, { storage: { toDownload: 2.1e9, available: 1e9, label: 'the browser storage (OPFS)' } });
    expect(problem).toEqual({
      check: 'storage',
      message: 'not enough storage for sd15-nmkd-fp16: 1.96 GiB still to download, 953.7 MiB available in the browser storage (OPFS).',
      fix: "Free space (remove other cached models or this site's data, or free disk space), or open the model from local files instead.",
    });
    expect(fit(sd15, { storage: { toDownload: 2.1e9, available: null, label: 'OPFS' } })).toEqual([]);
    expect(fit(sd15, { storage: { toDownload: 0, available: 0, label: 'OPFS' } })).toEqual([]);
  });

  it('lists every problem, and ModelFitError joins their messages and fixes', () => {
    const problems = fit(sd15, { adapter: adapter([]), storage: { toDownload: 2e9, available: 1e6, label: 'OPFS' } });
    expect(problems.map((p) => p.check)).toEqual(['shader-f16', 'gpu-limits', 'storage']);
    const error = new ModelFitError(problems);
    expect(error.message).toBe(problems.map((p) => p.message).join(' '));
    expect(error.fix).toBe(problems.map((p) => p.fix).join(' '));
  });
});
