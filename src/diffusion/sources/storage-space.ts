import type { ByteStore } from './byte-store';
import { formatBytes, ModelSourceError } from './source-error';

/** What to do when a model does not fit the storage. */
export const STORAGE_FIX = "Free space (remove other cached models or this site's data, or free disk space), or open the model from local files instead";

/** Why `needed` more bytes do not fit in `available` of storage `label`, or null when they fit (or the platform does not say). */
export function storageShortfall(needed: number, available: number | null, label: string, what: string): string | null {
  if (needed <= 0 || available === null || needed <= available) return null;
  return `not enough storage for ${what}: ${formatBytes(needed)} still to download, ${formatBytes(available)} available in ${label}`;
}

/**
 * Before a download: is there room for the bytes still to fetch? Then asks
 * for persistent storage, so the browser does not evict a 2 GB model under
 * pressure (a refusal is not an error: the cache just may be evicted).
 */
export async function ensureSpace(store: ByteStore, needed: number, what: string): Promise<void> {
  if (needed <= 0) return;
  const shortfall = storageShortfall(needed, await store.available(), store.label, what);
  if (shortfall) throw new ModelSourceError('quota', `${shortfall}. ${STORAGE_FIX}`);
  await store.persist();
}
