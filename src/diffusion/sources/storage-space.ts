import type { ByteStore } from './byte-store';
import { formatBytes, ModelSourceError } from './source-error';

/**
 * Before a download: is there room for the bytes still to fetch? Then asks
 * for persistent storage, so the browser does not evict a 2 GB model under
 * pressure (a refusal is not an error: the cache just may be evicted).
 */
export async function ensureSpace(store: ByteStore, needed: number, what: string): Promise<void> {
  if (needed <= 0) return;
  const available = await store.available();
  if (available !== null && needed > available) {
    throw new ModelSourceError(
      'quota',
      `not enough storage for ${what}: ${formatBytes(needed)} still to download, ${formatBytes(available)} available in ${store.label}. Free space (remove other cached models or this site's data, or free disk space), or open the model from local files instead`,
    );
  }
  await store.persist();
}
