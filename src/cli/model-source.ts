import { existsSync } from 'node:fs';
import { readdir, readFile, stat } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import { parseManifest } from '../diffusion/manifest';
import { cacheKey } from '../diffusion/sources/byte-store';
import { downloadToStore } from '../diffusion/sources/download';
import { checkModelFile, type ModelFiles, type ReadOptions } from '../diffusion/sources/model-files';
import { openUrlModel } from '../diffusion/sources/url-model';
import { diskByteStore } from './disk-byte-store';

/** The shipped manifest for a folder of downloaded nmkd SD 1.5 files, which come without one. */
const NMKD_MANIFEST = resolve(import.meta.dirname ?? '.', '..', '..', 'public', 'models', 'sd15-nmkd-fp16', 'manifest.json');

/**
 * `--model`: an http(s) manifest URL (downloaded into the disk cache), a
 * folder with manifest.json, or a folder of downloaded SD 1.5 files in the
 * nmkd layout (unet/model.onnx + unet/weights.pb, text_encoder/, vae_decoder/).
 */
export async function openModelSource(spec: string, options: ReadOptions = {}): Promise<ModelFiles> {
  if (/^https?:\/\//.test(spec)) {
    const files = await openUrlModel(spec, diskByteStore());
    return { ...files, read: (path, o) => files.read(path, { ...options, ...o }) };
  }
  const dir = resolve(spec);
  if (!existsSync(dir) || !(await stat(dir)).isDirectory()) throw new Error(`${spec} is not a folder or an http(s) manifest URL`);
  let manifestPath = join(dir, 'manifest.json');
  if (!existsSync(manifestPath)) {
    if (existsSync(join(dir, 'unet', 'weights.pb')) && existsSync(join(dir, 'text_encoder', 'model.onnx'))) manifestPath = NMKD_MANIFEST;
    else throw new Error(`${spec} has no manifest.json (it has: ${(await readdir(dir)).slice(0, 8).join(', ')})`);
  }
  const manifest = parseManifest(JSON.parse(await readFile(manifestPath, 'utf8')), manifestPath);
  const sizes = [];
  for (const p of [manifest.unet.file, manifest.textEncoder.file]) sizes.push(existsSync(join(dir, p)) ? (await stat(join(dir, p))).size : 0);
  return {
    id: `folder:${dir}:${sizes.join(',')}`,
    manifest,
    async read(path) {
      if (/^https?:\/\//.test(path)) {
        // A file the folder does not carry (CLIP's tokenizer.json for SD exports): from its URL, cached.
        return downloadToStore(path, diskByteStore(), cacheKey(path), { ...options, expectedBytes: manifest.files?.[path]?.bytes, sha256: manifest.files?.[path]?.sha256 });
      }
      const full = join(dir, path);
      if (!existsSync(full)) throw new Error(`${manifest.name}: ${path} is missing from ${dir}; copy it there or download the model again`);
      const bytes = new Uint8Array(await readFile(full));
      checkModelFile(manifest, path, bytes, manifest.name);
      return bytes;
    },
  };
}
