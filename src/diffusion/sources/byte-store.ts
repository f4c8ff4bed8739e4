/**
 * Where downloaded model files are cached: OPFS in the browser
 * (opfs-store.ts), a folder in Node (src/cli/disk-byte-store.ts). A file
 * being downloaded grows as a partial entry whose length is the resume
 * point for an HTTP Range request; `commit` makes it whole.
 */
export interface ByteStore {
  /** The complete file, or null when it is not cached. */
  read(key: string): Promise<Uint8Array | null>;
  /** Bytes of the partial download so far (0 when none). */
  partialLength(key: string): Promise<number>;
  append(key: string, bytes: Uint8Array): Promise<void>;
  /** Turns the partial download into the cached file. */
  commit(key: string): Promise<void>;
  /** Drops a partial download (the server ignored Range, or the bytes were wrong). */
  discard(key: string): Promise<void>;
  /** Bytes available for new files, when the platform says (navigator.storage.estimate). */
  available(): Promise<number | null>;
}

/** A cache key that is a safe file name on every platform, readable enough to debug. */
export function cacheKey(url: string): string {
  return url.replace(/^https?:\/\//, '').replace(/[^A-Za-z0-9._-]+/g, '_').slice(-200);
}
