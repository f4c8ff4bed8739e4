/**
 * A model served over HTTP(S): the bundled toy model (same origin) or a
 * manifest whose files resolve to a pinned Hugging Face revision. Every file
 * is downloaded once into `store` (resumable, checked, see download.ts) and
 * read from it afterwards without a request. The manifest itself is fetched
 * each time (it is small and may change) and cached, so a model already
 * downloaded also opens offline.
 */
import { modelFilePaths, parseManifest, type ModelManifest } from '../manifest';
import { cacheKey, type ByteStore } from './byte-store';
import { downloadToStore } from './download';
import { fileUrl } from './file-url';
import { checkModelFile, type ModelFiles, type ReadOptions } from './model-files';
import { sha256Hex } from './sha256';
import { ModelSourceError } from './source-error';
import { ensureSpace } from './storage-space';

export interface UrlModelOptions extends ReadOptions {
  /** The download cache: opfsByteStore() in the browser, nodeByteStore() in Node. */
  store: ByteStore;
  fetch?: typeof fetch;
  /** Download retries and first backoff (download.ts defaults when absent). */
  retries?: number;
  backoffMs?: number;
}

/**
 * How much of what a load needs (`modelFilePaths`) the cache holds: bytes
 * of those files with a known size and how many of them are cached (partial
 * downloads counted), and how many of the files are complete in the cache.
 */
export async function cacheStatus(manifest: ModelManifest, manifestUrl: string, store: ByteStore): Promise<{ total: number; cached: number; files: number; filesCached: number }> {
  let total = 0;
  let cached = 0;
  let filesCached = 0;
  const paths = modelFilePaths(manifest);
  for (const path of paths) {
    const entry = manifest.files[path] ?? {};
    const key = cacheKey(fileUrl(manifest, path, manifestUrl));
    const size = await store.size(key);
    if (size !== null && (entry.bytes === undefined || size === entry.bytes)) filesCached++;
    if (entry.bytes === undefined) continue;
    total += entry.bytes;
    cached += size === entry.bytes ? entry.bytes : Math.min(entry.bytes, await store.partialLength(key));
  }
  return { total, cached, files: paths.length, filesCached };
}

export async function openUrlModel(manifestUrl: string, options: UrlModelOptions): Promise<ModelFiles> {
  const { store } = options;
  const doFetch = options.fetch ?? fetch;
  const text = await fetchManifest(manifestUrl, store, doFetch);
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch (error) {
    throw new ModelSourceError('manifest', `${manifestUrl} is not JSON (${(error as Error).message}); is that the address of a manifest.json?`);
  }
  let manifest: ModelManifest;
  try {
    manifest = parseManifest(json, manifestUrl);
  } catch (error) {
    throw new ModelSourceError('manifest', (error as Error).message);
  }
  const urlOf = (path: string) => fileUrl(manifest, path, manifestUrl);
  let spaceChecked = false;

  const stillToFetch = async () => {
    const { total, cached } = await cacheStatus(manifest, manifestUrl, store);
    return total - cached;
  };

  const knownPath = (path: string) => {
    if (!(path in manifest.files)) {
      throw new ModelSourceError('missing', `${manifest.name}: "${path}" is not a file of this model. Should be one of: ${Object.keys(manifest.files).join(', ')}`);
    }
  };

  return {
    id: `${manifestUrl}#${(await sha256Hex(new TextEncoder().encode(text))).slice(0, 16)}`,
    manifest,
    async read(path, o = {}) {
      knownPath(path);
      const entry = manifest.files[path];
      const url = urlOf(path);
      const key = cacheKey(url);
      if (!spaceChecked && (await store.size(key)) === null) {
        await ensureSpace(store, await stillToFetch(), manifest.name);
        spaceChecked = true;
      }
      const bytes = await downloadToStore(url, store, key, {
        path,
        expectedBytes: entry.bytes,
        sha256: entry.sha256,
        fetch: doFetch,
        retries: options.retries,
        backoffMs: options.backoffMs,
        onProgress: o.onProgress ?? options.onProgress,
        signal: o.signal ?? options.signal,
      });
      try {
        checkModelFile(manifest, path, bytes, manifest.name);
      } catch (error) {
        // Never leave a wrong file in the cache, where it would be found again.
        await store.discard(key);
        throw error;
      }
      return bytes;
    },
    async size(path) {
      knownPath(path);
      const known = manifest.files[path].bytes ?? (await store.size(cacheKey(urlOf(path))));
      if (known !== null) return known;
      const head = await doFetch(urlOf(path), { method: 'HEAD' }).catch(() => null);
      const length = head?.ok ? head.headers.get('Content-Length') : null;
      return length === null ? null : Number(length);
    },
  };
}

/** The manifest from the network, else (offline, server down) the copy cached by the last successful open. */
async function fetchManifest(url: string, store: ByteStore, doFetch: typeof fetch): Promise<string> {
  const key = `${cacheKey(url)}.manifest`;
  let problem: string;
  try {
    const response = await doFetch(url);
    if (response.ok) {
      const text = await response.text();
      await store.discard(key);
      const out = await store.appender(key);
      await out.write(new TextEncoder().encode(text));
      await out.close();
      await store.commit(key);
      return text;
    }
    problem = `HTTP ${response.status} ${response.statusText}`;
    if (response.status === 404) throw new ModelSourceError('http', `model manifest ${url}: HTTP 404 Not Found; check the address`);
  } catch (error) {
    if (error instanceof ModelSourceError) throw error;
    problem = (error as Error).message;
  }
  const cached = await store.read(key);
  if (cached) return new TextDecoder().decode(cached);
  throw new ModelSourceError('http', `cannot fetch the model manifest ${url} (${problem}) and it was never cached; check the address and the network`);
}
