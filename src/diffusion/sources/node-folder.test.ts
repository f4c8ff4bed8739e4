/**
 * openFolder: a model folder with manifest.json (the toy), and a folder of
 * downloaded nmkd SD 1.5 files without one, paired with the shipped
 * manifest; sizes are checked before reading, wrong files are named, and a
 * file the folder lacks (CLIP's tokenizer.json) comes from its pinned URL.
 */
import { mkdir, mkdtemp, readFile, rm, symlink, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { openFolder } from './node-folder';
import { nodeByteStore } from './node-store';

const toyDir = join(dirname(fileURLToPath(import.meta.url)), '..', '..', '..', 'public', 'models', 'toy');
let dir: string;

beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), 'traj-folder-'));
});
afterEach(async () => {
  await rm(dir, { recursive: true, force: true });
});

/** Writes files (path → bytes) under `root`. */
async function put(root: string, files: Record<string, Uint8Array | string>): Promise<void> {
  for (const [path, bytes] of Object.entries(files)) {
    await mkdir(dirname(join(root, path)), { recursive: true });
    await writeFile(join(root, path), bytes);
  }
}

/** Bytes that start like an ONNX ModelProto (ir_version 8). */
const onnxLike = (n: number) => Uint8Array.from({ length: n }, (_, i) => (i === 0 ? 0x08 : i === 1 ? 8 : i % 251));

describe('openFolder', () => {
  it('opens a folder with manifest.json and reads its files unchanged', async () => {
    const model = await openFolder(toyDir);
    expect(model.manifest.name).toBe('toy-sd');
    const unet = await model.read('unet/model.onnx');
    expect(Buffer.from(unet).equals(await readFile(join(toyDir, 'unet/model.onnx')))).toBe(true);
    expect(await model.size('unet/model.onnx')).toBe(unet.length);
    expect((await openFolder(toyDir)).id).toBe(model.id);
  });

  it('finds the model one folder down (the folder that holds it was picked)', async () => {
    await put(dir, { 'toy/manifest.json': await readFile(join(toyDir, 'manifest.json')), 'toy/tokenizer.json': await readFile(join(toyDir, 'tokenizer.json')) });
    const model = await openFolder(dir);
    expect(JSON.parse(new TextDecoder().decode(await model.read('tokenizer.json'))).model.type).toBe('WordLevel');
    await expect(model.read('unet/model.onnx')).rejects.toThrow(`toy-sd: unet/model.onnx is missing from ${dir.split('/').pop()}/toy; pick the whole model folder, or copy the file into it`);
  });

  it('follows links as Hugging Face\'s cache lays out a snapshot (each file a link to its blob, folders linked too) and skips a broken one', async () => {
    const names = ['manifest.json', 'tokenizer.json', 'unet/model.onnx', 'text_encoder/model.onnx', 'vae_decoder/model.onnx'];
    for (const [i, name] of names.entries()) await put(join(dir, 'blobs'), { [`b${i}`]: await readFile(join(toyDir, name)) });
    const snapshot = join(dir, 'snapshots', 'rev');
    await mkdir(join(dir, 'te'), { recursive: true });
    for (const [i, name] of names.entries()) {
      const link = name.startsWith('text_encoder/') ? join(dir, 'te', 'model.onnx') : join(snapshot, name);
      await mkdir(dirname(link), { recursive: true });
      await symlink(join(dir, 'blobs', `b${i}`), link);
    }
    await symlink(join(dir, 'te'), join(snapshot, 'text_encoder'));
    await symlink(join(dir, 'blobs', 'gone'), join(snapshot, 'notes.txt'));
    const model = await openFolder(snapshot);
    for (const name of names.slice(1)) expect(Buffer.from(await model.read(name)).equals(await readFile(join(toyDir, name)))).toBe(true);
  });

  it('names a truncated file (size ≠ manifest bytes) and a file that is not ONNX', async () => {
    const manifest = JSON.parse(await readFile(join(toyDir, 'manifest.json'), 'utf8'));
    manifest.unet = { ...manifest.unet, bytes: 5619670 };
    await put(dir, { 'manifest.json': JSON.stringify(manifest), 'unet/model.onnx': onnxLike(1000), 'text_encoder/model.onnx': 'version https://git-lfs.github.com/spec/v1\noid sha256:abc\n' });
    const model = await openFolder(dir);
    const truncated = await model.read('unet/model.onnx').catch((e) => e);
    expect(truncated.kind).toBe('truncated');
    expect(truncated.message).toBe('toy-sd: unet/model.onnx is 1000 bytes (0.0 MiB) but the manifest says 5619670 (5.4 MiB): the file is truncated, probably an interrupted download; download it again');
    const pointer = await model.read('text_encoder/model.onnx').catch((e) => e);
    expect(pointer.kind).toBe('not-onnx');
    expect(pointer.message).toMatch(/text_encoder\/model.onnx is not an ONNX model; it is a Git LFS pointer/);
  });

  it('pairs a folder of nmkd SD 1.5 files with the shipped manifest, fetching the missing tokenizer.json from its pinned URL', async () => {
    await put(dir, {
      'model_index.json': '{}',
      'unet/model.onnx': onnxLike(64),
      'unet/weights.pb': new Uint8Array(16),
      'text_encoder/model.onnx': onnxLike(64),
      'vae_decoder/model.onnx': onnxLike(64),
      'tokenizer/vocab.json': '{}',
      'tokenizer/merges.txt': '',
    });
    const requested: string[] = [];
    const tokenizerJson = '{"model":{"type":"BPE"}}';
    const model = await openFolder(dir, {
      remote: {
        store: nodeByteStore(join(dir, '.cache')),
        fetch: async (input) => {
          requested.push(String(input));
          return new Response(tokenizerJson, { status: 200, headers: { 'Content-Length': String(tokenizerJson.length) } });
        },
      },
    });
    expect(model.manifest.name).toBe('sd15-nmkd-fp16');
    expect(model.manifest.unet.externalData?.location).toBe('weights.pb');
    // The stand-in files are far smaller than the export's: named as truncated, without reading 1.7 GB.
    await expect(model.read('unet/weights.pb')).rejects.toThrow(/unet\/weights.pb is 16 bytes .* but the manifest says 1718976000/);
    expect(new TextDecoder().decode(await model.read('tokenizer/tokenizer.json'))).toBe(tokenizerJson);
    expect(requested).toEqual(['https://huggingface.co/openai/clip-vit-large-patch14/resolve/32bd64288804d66eefd0ccbe215aa642df71cc41/tokenizer.json']);
    // Second read: from the cache.
    await model.read('tokenizer/tokenizer.json');
    expect(requested).toHaveLength(1);
  });

  it('explains what it looked for in a folder that is not a model', async () => {
    await put(dir, { 'notes.txt': 'hello' });
    await expect(openFolder(dir)).rejects.toThrow(/has no manifest.json and is not a known export \(nmkd\/stable-diffusion-1.5-onnx-fp16: .*\)\. It has: notes.txt\. Pick the model's folder/);
    await expect(openFolder(join(dir, 'nope'))).rejects.toThrow(/nope is not a folder/);
  });
});
