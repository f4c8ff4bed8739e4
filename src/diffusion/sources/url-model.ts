import { parseManifest } from '../manifest';
import { cacheKey, type ByteStore } from './byte-store';
import { downloadToStore } from './download';
import { checkModelFile, type ModelFiles } from './model-files';

/**
 * A model served over HTTP(S): the bundled toy model (same origin) or a
 * manifest pinned to a Hugging Face revision. Relative paths resolve
 * against the manifest's URL; every file is downloaded once into `store`
 * (resumable, checked) and read from it afterwards.
 */
export async function openUrlModel(manifestUrl: string, store: ByteStore, fetchImpl: typeof fetch = fetch): Promise<ModelFiles> {
  let response: Response;
  try {
    response = await fetchImpl(manifestUrl);
  } catch (error) {
    throw new Error(`cannot fetch the model manifest ${manifestUrl}: ${(error as Error).message}; check the address and the network`);
  }
  if (!response.ok) throw new Error(`model manifest ${manifestUrl}: HTTP ${response.status} ${response.statusText}`);
  let json: unknown;
  try {
    json = await response.json();
  } catch {
    throw new Error(`model manifest ${manifestUrl} is not JSON`);
  }
  const manifest = parseManifest(json, manifestUrl);
  return {
    id: manifestUrl,
    manifest,
    async read(path, options = {}) {
      const url = new URL(path, manifestUrl).href;
      const check = manifest.files?.[path];
      const bytes = await downloadToStore(url, store, cacheKey(url), { expectedBytes: check?.bytes, sha256: check?.sha256, fetch: fetchImpl, ...options });
      checkModelFile(manifest, path, bytes, manifest.name);
      return bytes;
    },
  };
}
