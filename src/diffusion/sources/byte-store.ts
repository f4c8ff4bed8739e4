/**
 * Where downloaded model files are cached: OPFS in the browser
 * (opfs-store.ts), a folder in Node (node-store.ts). A file being
 * downloaded grows as a partial entry (`<key>.part`) whose length is the
 * resume point for an HTTP Range request; `commit` makes it whole, and
 * only checked downloads are committed.
 */
export interface ByteStore {
  /** Where the cache is, for messages ("OPFS", a folder path). */
  readonly label: string;
  /** The complete file, or null when it is not cached. */
  read(key: string): Promise<Uint8Array | null>;
  /** The complete file's size, or null when it is not cached. */
  size(key: string): Promise<number | null>;
  /** Bytes of the partial download so far (0 when none). */
  partialLength(key: string): Promise<number>;
  /** The partial download's bytes (to check them before `commit`). */
  readPartial(key: string): Promise<Uint8Array>;
  /**
   * Opens the partial entry for appending, for one download attempt. The
   * bytes written are in the partial once `close` resolves (OPFS writables
   * land on close), so the downloader closes it on error and cancel too.
   */
  appender(key: string): Promise<Appender>;
  /** Turns the partial download into the cached file. */
  commit(key: string): Promise<void>;
  /** Drops the partial and the complete file (the server ignored Range, or the bytes were wrong). */
  discard(key: string): Promise<void>;
  /** Bytes available for new files, when the platform says (navigator.storage.estimate, statfs). */
  available(): Promise<number | null>;
  /** Asks that the cache survive storage pressure (navigator.storage.persist); true when granted. */
  persist(): Promise<boolean>;
}

export interface Appender {
  write(bytes: Uint8Array): Promise<void>;
  close(): Promise<void>;
}

/** A cache key that is a safe file name on every platform, readable enough to debug. */
export function cacheKey(url: string): string {
  return url.replace(/^https?:\/\//, '').replace(/[^A-Za-z0-9._-]+/g, '_').slice(-200);
}
