/**
 * A model from files already on this machine (dropped or picked in the
 * browser, a folder in Node): the shared part of local-files.ts and
 * node-folder.ts. Finds the model's root among the paths (manifest.json, or
 * a known layout paired with its shipped manifest), checks sizes before
 * reading (so a truncated 1.7 GB file is named without reading it), and
 * fetches a file the folder lacks but the manifest gives a remote URL for
 * (CLIP's tokenizer.json for SD exports) into the download cache.
 */
import { externalDataOf, parseManifest, type ModelManifest } from '../manifest';
import { cacheKey, type ByteStore } from './byte-store';
import { downloadToStore } from './download';
import { remoteUrl } from './file-url';
import { detectLayout, type KnownLayout } from './known-layouts';
import { checkFileSize, checkModelFile, missingFile, type ModelFiles, type ReadOptions } from './model-files';
import { ModelSourceError } from './source-error';

/** One local file: its size, and its bytes on demand. */
export interface LocalFile {
  readonly size: number;
  read(): Promise<Uint8Array>;
}

export interface LocalModelOptions extends ReadOptions {
  /** Cache and fetch for files the folder lacks but the manifest has a URL for; without it such files are "missing". */
  remote?: { store: ByteStore; fetch?: typeof fetch };
}

/**
 * `files`: every file by its path relative to what the user picked.
 * `where` names the pick in messages; `shippedManifest` loads the manifest
 * text the app ships for a known layout.
 */
export async function openLocalModel(
  files: ReadonlyMap<string, LocalFile>,
  where: string,
  shippedManifest: (layout: KnownLayout) => Promise<string>,
  options: LocalModelOptions = {},
): Promise<ModelFiles> {
  const { root, layout } = findRoot([...files.keys()], where);
  const local = new Map<string, LocalFile>();
  for (const [p, f] of files) if (p.startsWith(root)) local.set(p.slice(root.length), f);

  let text: string;
  let manifestWhere: string;
  if (local.has('manifest.json')) {
    text = new TextDecoder().decode(await local.get('manifest.json')!.read());
    manifestWhere = `${where}/${root}manifest.json`;
  } else {
    text = await shippedManifest(layout!);
    manifestWhere = `the shipped ${layout!.manifest} (for ${where})`;
  }
  let manifest: ModelManifest;
  try {
    manifest = parseManifest(JSON.parse(text), manifestWhere);
  } catch (error) {
    throw new ModelSourceError('manifest', (error as Error).message);
  }

  const sizeOf = (p: string) => local.get(p)?.size ?? 0;
  const dataBytes = externalDataOf(manifest.unet).reduce((n, e) => n + sizeOf(e.file), 0);
  const sizes = [sizeOf(manifest.unet.file), dataBytes, sizeOf(manifest.textEncoder.file)];
  return {
    id: `local:${where.split('/').filter(Boolean).pop() ?? where}/${root}:${sizes.join(',')}`,
    manifest,
    async read(path, o = {}) {
      const entry = manifest.files[path];
      if (!entry) throw new ModelSourceError('missing', `${manifest.name}: "${path}" is not a file of this model. Should be one of: ${Object.keys(manifest.files).join(', ')}`);
      const file = local.get(path);
      if (file) {
        checkFileSize(manifest, path, file.size, manifest.name);
        const bytes = await file.read();
        checkModelFile(manifest, path, bytes, manifest.name);
        o.onProgress?.({ path, loaded: bytes.length, total: bytes.length, bytesPerSecond: 0, etaSeconds: 0, fromCache: true });
        return bytes;
      }
      const url = remoteUrl(manifest, path);
      if (url && options.remote) {
        const { store } = options.remote;
        const bytes = await downloadToStore(url, store, cacheKey(url), {
          path,
          expectedBytes: entry.bytes,
          sha256: entry.sha256,
          fetch: options.remote.fetch,
          onProgress: o.onProgress ?? options.onProgress,
          signal: o.signal ?? options.signal,
        });
        checkModelFile(manifest, path, bytes, manifest.name);
        return bytes;
      }
      throw missingFile(manifest, path, `${where}${root ? `/${root.slice(0, -1)}` : ''}`, url ? `put it there (it is ${url})` : 'pick the whole model folder, or copy the file into it');
    },
    async size(path) {
      return local.get(path)?.size ?? manifest.files[path]?.bytes ?? null;
    },
  };
}

/** The folder prefix ("" or "name/") holding manifest.json or a known layout; the shallowest wins. */
function findRoot(paths: string[], where: string): { root: string; layout: KnownLayout | null } {
  const prefixes = new Set(['']);
  for (const p of paths) {
    const parts = p.split('/');
    for (let i = 1; i < parts.length; i++) prefixes.add(`${parts.slice(0, i).join('/')}/`);
  }
  const ordered = [...prefixes].sort((a, b) => a.split('/').length - b.split('/').length);
  for (const root of ordered) {
    if (paths.includes(`${root}manifest.json`)) return { root, layout: null };
    const layout = detectLayout(paths.filter((p) => p.startsWith(root)).map((p) => p.slice(root.length)));
    if (layout) return { root, layout };
  }
  const sample = paths.slice(0, 8).join(', ') || 'no files';
  throw new ModelSourceError(
    'missing',
    `${where} has no manifest.json and is not a known export (nmkd/stable-diffusion-1.5-onnx-fp16: unet/model.onnx + unet/weights.pb + text_encoder/ + vae_decoder/; microsoft/stable-diffusion-v1.5-webnn). It has: ${sample}${paths.length > 8 ? ', …' : ''}. Pick the model's folder`,
  );
}
