import { cpSync, readFileSync, writeFileSync } from 'node:fs';
import { mkdtemp } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { ModelFitError, type AdapterFacts } from './model-fit';
import { preflightModel } from './model-preflight';
import { ModelContractError } from './ort-runtime';
import type { ModelFiles } from './sources/model-files';
import { openModelSource } from './sources/node';

const narrowDir = join(__dirname, '..', '..', 'models', 'sd15-arch', 'narrow', 'nmkd');
const gpu: AdapterFacts = { features: new Set(['shader-f16']), limits: { maxStorageBufferBindingSize: 2 ** 31, maxBufferSize: 2 ** 31 } };

/** The narrow nmkd stand-in, every read recorded in order. */
async function narrow(dir = narrowDir): Promise<{ files: ModelFiles; reads: string[] }> {
  const files = await openModelSource(dir);
  const reads: string[] = [];
  return { reads, files: { id: files.id, manifest: files.manifest, size: (p) => files.size(p), read: (p, o) => (reads.push(p), files.read(p, o)) } };
}

/** A copy of the narrow stand-in with its manifest edited. */
async function editedCopy(edit: (m: Record<string, any>) => void): Promise<string> {
  const dir = await mkdtemp(join(tmpdir(), 'sd15-preflight-'));
  cpSync(narrowDir, dir, { recursive: true });
  const manifest = JSON.parse(readFileSync(join(dir, 'manifest.json'), 'utf8'));
  edit(manifest);
  writeFileSync(join(dir, 'manifest.json'), JSON.stringify(manifest));
  return dir;
}

describe('preflightModel', () => {
  it('reads the small files first (tokenizer, scheduler, the UNet graph) and never the weights', async () => {
    const { files, reads } = await narrow();
    await preflightModel(files, { provider: 'webgpu', adapter: gpu });
    expect(reads).toEqual(['tokenizer/tokenizer.json', 'scheduler/scheduler_config.json', 'unet/model.onnx']);
  });

  it('refuses before reading anything when the guard says no', async () => {
    const { files, reads } = await narrow();
    const noF16 = { ...gpu, features: new Set<string>() };
    await expect(preflightModel(files, { provider: 'webgpu', adapter: noF16 })).rejects.toThrow(ModelFitError);
    await expect(preflightModel(files, { provider: 'webgpu', adapter: gpu, storage: { toDownload: 8e6, available: 1e6, label: 'OPFS' } })).rejects.toThrow(/^not enough storage for sd15-standin-narrow-nmkd/);
    expect(reads).toEqual([]);
  });

  it("checks the graph's external-data location against the manifest before the weights are read", async () => {
    const dir = await editedCopy((m) => (m.unet.externalData.location = 'model.onnx_data'));
    const { files, reads } = await narrow(dir);
    const error = await preflightModel(files, { provider: 'wasm', adapter: null }).catch((e) => e);
    expect(error).toBeInstanceOf(ModelContractError);
    expect(error.message).toBe(
      `sd15-standin-narrow-nmkd: the UNet graph unet/model.onnx keeps its weights in "weights.pb", the manifest lists "model.onnx_data"; not listed: weights.pb; not used: model.onnx_data. Make the manifest's unet.externalData location(s) the graph's, before downloading the weights`,
    );
    expect(reads).not.toContain('unet/weights.pb');
  });

  it("refuses an adapter whose buffers cannot hold the UNet's largest weight, read from the graph without the weights", async () => {
    // Without a hook catalogue the manifest says nothing of the attention's size: only the graph tells.
    const { files, reads } = await narrow(await editedCopy((m) => delete m.hooks));
    const tiny = { ...gpu, limits: { maxStorageBufferBindingSize: 16 * 1024, maxBufferSize: 16 * 1024 } };
    const error = await preflightModel(files, { provider: 'webgpu', adapter: tiny }).catch((e) => e);
    expect(error).toBeInstanceOf(ModelFitError);
    expect(error.problems.map((p: { check: string }) => p.check)).toEqual(['gpu-limits']);
    expect(error.message).toMatch(/its largest tensor, the UNet weight \S+, is [0-9.]+ MiB, and this GPU adapter allows 0\.0 MiB in one buffer/);
    expect(reads).toEqual(['tokenizer/tokenizer.json', 'scheduler/scheduler_config.json', 'unet/model.onnx']);
  });
});
