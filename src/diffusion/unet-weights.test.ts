/**
 * How the UNet's weights reach onnxruntime (diffusion-model.ts readUnet): a
 * single file's bytes by reference (the graph handed over is small, the
 * weights are the file's own buffer, never a copy), and an export whose
 * weights are many external-data files (fp32 SD 1.5: one per tensor), from
 * a folder, equal to the single file.
 */
import { create, fromBinary, toBinary } from '@bufbuild/protobuf';
import { cpSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { mkdtemp } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeAll, describe, expect, it, vi } from 'vitest';
import { testGpu } from '../gpu/test-gpu';
import { generate, type SamplerSettings } from './denoise';
import { loadDiffusionModel } from './diffusion-model';
import { ModelProtoSchema, StringStringEntryProtoSchema, TensorProto_DataLocation } from './onnx/gen/onnx_pb';
import { referenceInitializers } from './onnx/initializer-refs';
import { configureWasm, ModelSession } from './ort-runtime';
import type { ModelFiles } from './sources/model-files';
import { openModelSource } from './sources/node';

const toyDir = join(__dirname, '..', '..', 'public', 'models', 'toy');
const HOOK = 'up_blocks.1.attentions.1';
const sampler: SamplerSettings = { scheduler: 'ddim', steps: 3, guidance: 5 };
const prompt = 'a small red square at the top left on a white background';

beforeAll(() => configureWasm(1));
afterEach(() => vi.restoreAllMocks());

/** The toy folder with its single-file UNet split into one external-data file per large tensor, as fp32 exports over 2 GB are. */
async function toyWithManyDataFiles(): Promise<{ dir: string; count: number }> {
  const dir = await mkdtemp(join(tmpdir(), 'toy-many-files-'));
  cpSync(toyDir, dir, { recursive: true });
  const single = new Uint8Array(readFileSync(join(toyDir, 'unet', 'model.onnx')));
  const model = fromBinary(ModelProtoSchema, referenceInitializers(single, 'toy UNet', 'all').graph);
  const files: { file: string; location: string; bytes: number }[] = [];
  mkdirSync(join(dir, 'unet_many'));
  for (const t of model.graph!.initializer) {
    if (t.dataLocation !== TensorProto_DataLocation.EXTERNAL) continue;
    const at = Object.fromEntries(t.externalData.map((e) => [e.key, Number(e.value)]));
    const location = `tensor_${files.length}`;
    const bytes = single.subarray(at.offset, at.offset + at.length);
    writeFileSync(join(dir, 'unet_many', location), bytes);
    t.externalData = [create(StringStringEntryProtoSchema, { key: 'location', value: location })];
    files.push({ file: `unet_many/${location}`, location, bytes: bytes.length });
  }
  writeFileSync(join(dir, 'unet_many', 'model.onnx'), toBinary(ModelProtoSchema, model));
  const manifest = JSON.parse(readFileSync(join(dir, 'manifest.json'), 'utf8'));
  delete manifest.files;
  manifest.unet = { ...manifest.unet, file: 'unet_many/model.onnx', externalDataFiles: files };
  writeFileSync(join(dir, 'manifest.json'), JSON.stringify(manifest));
  return { dir, count: files.length };
}

/** `files` with every buffer its reads returned, by path. */
function recordingReads(files: ModelFiles): { files: ModelFiles; reads: Map<string, Uint8Array> } {
  const reads = new Map<string, Uint8Array>();
  return {
    reads,
    files: { ...files, manifest: files.manifest, id: files.id, size: (p) => files.size(p), read: async (p, o) => {
      const bytes = await files.read(p, o);
      reads.set(p, bytes);
      return bytes;
    } },
  };
}

describe('the UNet handed to onnxruntime', () => {
  it('a single file: a small hooked graph, and as its weights the very buffer the file was read into', async () => {
    const { files, reads } = recordingReads(await openModelSource(toyDir));
    const create = vi.spyOn(ModelSession, 'create');
    const model = await loadDiffusionModel(files, { provider: 'wasm', hook: HOOK, gpu: testGpu });
    const [label, graph, options] = create.mock.calls[0];
    const file = reads.get('unet/model.onnx')!;
    expect(label).toBe('UNet');
    expect(options.externalData).toHaveLength(1);
    expect(options.externalData![0].data).toBe(file); // the same object: no copy
    expect(graph.length).toBeLessThan(file.length / 5);
    expect(graph.buffer).not.toBe(file.buffer);
    await model.release();
  });

  it('many external-data files from a folder: each file passed under its location, the same image as the single file', async () => {
    const { dir, count } = await toyWithManyDataFiles();
    expect(count).toBeGreaterThan(10);
    const create = vi.spyOn(ModelSession, 'create');
    const many = await loadDiffusionModel(await openModelSource(dir), { provider: 'wasm', hook: HOOK, gpu: testGpu });
    expect(create.mock.calls[0][2].externalData).toHaveLength(count);
    const single = await loadDiffusionModel(await openModelSource(toyDir), { provider: 'wasm', hook: HOOK, gpu: testGpu });
    const a = await generate(many, { ...sampler, prompt, seed: 4, recordCalls: [0, 2] });
    const b = await generate(single, { ...sampler, prompt, seed: 4, recordCalls: [0, 2] });
    expect(Array.from(a.image.data)).toEqual(Array.from(b.image.data));
    expect(Array.from(a.trajectory!)).toEqual(Array.from(b.trajectory!));
    await Promise.all([many.release(), single.release()]);
  });
});
