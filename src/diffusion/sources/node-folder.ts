/**
 * A model in a folder on disk (Node): with its manifest.json, or a folder
 * of downloaded SD 1.5 files in a known layout, paired with the manifest
 * shipped in public/models/. Files the folder lacks but the manifest has a
 * URL for are fetched into the download cache.
 */
import { readdir, readFile, stat } from 'node:fs/promises';
import { basename, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { openLocalModel, type LocalFile, type LocalModelOptions } from './local-model';
import type { ModelFiles } from './model-files';
import { nodeByteStore } from './node-store';
import { ModelSourceError } from './source-error';

/** The app's public folder, where shipped manifests live. */
const PUBLIC_DIR = fileURLToPath(new URL('../../../public/', import.meta.url));
/** A model folder is shallow; deeper trees (a home folder picked by mistake) are not walked. */
const MAX_DEPTH = 3;
const MAX_FILES = 2000;

export async function openFolder(dir: string, options: LocalModelOptions = { remote: { store: nodeByteStore() } }): Promise<ModelFiles> {
  const root = resolve(dir);
  const info = await stat(root).catch(() => null);
  if (!info?.isDirectory()) throw new ModelSourceError('missing', `${dir} is not a folder; give a model folder (with manifest.json, or downloaded SD 1.5 files) or an http(s) manifest URL`);
  const files = new Map<string, LocalFile>();
  await walk(root, '', 0, files);
  return openLocalModel(files, basename(root), (layout) => readFile(join(PUBLIC_DIR, layout.manifest), 'utf8'), options);
}

async function walk(dir: string, prefix: string, depth: number, out: Map<string, LocalFile>): Promise<void> {
  for (const entry of await readdir(dir, { withFileTypes: true })) {
    if (out.size >= MAX_FILES) return;
    const full = join(dir, entry.name);
    // A link counts as what it points to (Hugging Face's cache links each file of a snapshot to its blob); a broken one is skipped.
    const kind = entry.isSymbolicLink() ? await stat(full).catch(() => null) : entry;
    if (!kind) continue;
    if (kind.isDirectory() && depth < MAX_DEPTH && !entry.name.startsWith('.')) await walk(full, `${prefix}${entry.name}/`, depth + 1, out);
    else if (kind.isFile()) {
      const { size } = await stat(full);
      out.set(`${prefix}${entry.name}`, { size, read: async () => new Uint8Array(await readFile(full)) });
    }
  }
}
