/**
 * One file from a URL into a ByteStore: progress (bytes, rate, ETA),
 * resumable over HTTP Range after a dropped connection or a cancel (the
 * partial bytes stay in the store), retried with backoff, and checked
 * against Content-Length and the expected size and sha256.
 */
import type { ByteStore } from './byte-store';
import type { DownloadProgress } from './model-files';

export interface DownloadOptions {
  expectedBytes?: number;
  sha256?: string;
  onProgress?: (p: DownloadProgress) => void;
  signal?: AbortSignal;
  /** Attempts after a dropped connection before giving up (default 4). */
  retries?: number;
  /** First backoff in ms, doubled per retry (default 500). */
  backoffMs?: number;
  fetch?: typeof fetch;
}

/** Appends to the store in pieces of this size, not per network chunk. */
const FLUSH_BYTES = 4 * 2 ** 20;
/** Web Crypto digests whole buffers: files above this are checked by size only. */
export const SHA256_MAX_BYTES = 512 * 2 ** 20;

export class DownloadError extends Error {
  override name = 'DownloadError';
}

async function sha256Hex(bytes: Uint8Array): Promise<string> {
  const digest = await crypto.subtle.digest('SHA-256', bytes as Uint8Array<ArrayBuffer>);
  return Array.from(new Uint8Array(digest), (b) => b.toString(16).padStart(2, '0')).join('');
}

/** Checks a complete file; throws (and the caller drops it) when it is not the expected one. */
export async function verifyDownload(url: string, bytes: Uint8Array, options: Pick<DownloadOptions, 'expectedBytes' | 'sha256'>): Promise<void> {
  if (options.expectedBytes !== undefined && bytes.length !== options.expectedBytes) {
    throw new DownloadError(`${url}: got ${bytes.length} bytes, expected ${options.expectedBytes}; the download is incomplete or the file changed — retry, or check the manifest's revision`);
  }
  if (options.sha256 && bytes.length <= SHA256_MAX_BYTES) {
    const got = await sha256Hex(bytes);
    if (got !== options.sha256) throw new DownloadError(`${url}: sha256 is ${got}, the manifest expects ${options.sha256}; the file is corrupt or not the pinned revision — delete the cached copy and download again`);
  }
}

export async function downloadToStore(url: string, store: ByteStore, key: string, options: DownloadOptions = {}): Promise<Uint8Array> {
  const doFetch = options.fetch ?? fetch;
  const path = url.split('/').slice(-2).join('/');
  const cached = await store.read(key);
  if (cached) {
    options.onProgress?.({ path, loaded: cached.length, total: cached.length, bytesPerSecond: 0, etaSeconds: 0, fromCache: true });
    return cached;
  }
  const available = await store.available();
  const needed = (options.expectedBytes ?? 0) - (await store.partialLength(key));
  if (available !== null && needed > available) {
    throw new DownloadError(`not enough storage for ${path}: it needs ${(needed / 2 ** 20).toFixed(0)} MiB more and the browser allows ${(available / 2 ** 20).toFixed(0)} MiB; free space (delete old projects or cached models) and try again`);
  }
  const retries = options.retries ?? 4;
  const started = performance.now();
  let fetchedThisRun = 0;
  for (let attempt = 0; ; attempt++) {
    options.signal?.throwIfAborted();
    let offset = await store.partialLength(key);
    try {
      const response = await doFetch(url, { headers: offset > 0 ? { Range: `bytes=${offset}-` } : {}, signal: options.signal });
      let total: number | null;
      if (response.status === 206) {
        const range = /^bytes (\d+)-(\d+)\/(\d+|\*)$/.exec(response.headers.get('Content-Range') ?? '');
        if (!range || Number(range[1]) !== offset) throw new DownloadError(`${url}: the server answered the range request from byte ${range?.[1] ?? '?'} instead of ${offset}`);
        total = range[3] === '*' ? null : Number(range[3]);
      } else if (response.status === 200) {
        // The server ignored Range: start over.
        if (offset > 0) await store.discard(key);
        offset = 0;
        const length = response.headers.get('Content-Length');
        total = length === null ? null : Number(length);
      } else if (response.status === 416 && options.expectedBytes === offset) {
        total = offset;
      } else {
        throw new DownloadError(`${url}: HTTP ${response.status} ${response.statusText}${response.status === 404 ? ' — the file is not at that URL (is the revision right?)' : ''}`);
      }
      if (total !== null && options.expectedBytes !== undefined && total !== options.expectedBytes) {
        throw new DownloadError(`${url}: the server reports ${total} bytes, the manifest expects ${options.expectedBytes}; the manifest does not describe this file`);
      }
      let loaded = offset;
      const pending: Uint8Array[] = [];
      let pendingBytes = 0;
      const flush = async () => {
        if (pendingBytes === 0) return;
        const joined = new Uint8Array(pendingBytes);
        let o = 0;
        for (const p of pending) {
          joined.set(p, o);
          o += p.length;
        }
        pending.length = 0;
        pendingBytes = 0;
        await store.append(key, joined);
      };
      const reader = response.body?.getReader();
      try {
        while (reader) {
          const { done, value } = await reader.read();
          if (done) break;
          pending.push(value);
          pendingBytes += value.length;
          loaded += value.length;
          fetchedThisRun += value.length;
          if (pendingBytes >= FLUSH_BYTES) await flush();
          const seconds = (performance.now() - started) / 1000;
          const rate = seconds > 0 ? fetchedThisRun / seconds : 0;
          options.onProgress?.({ path, loaded, total, bytesPerSecond: rate, etaSeconds: total !== null && rate > 0 ? (total - loaded) / rate : null, fromCache: false });
        }
      } finally {
        // Whatever arrived is kept for the next attempt, even when cancelled.
        await flush();
      }
      if (total !== null && loaded < total) throw new TypeError(`connection closed at ${loaded} of ${total} bytes`);
      await store.commit(key);
      const bytes = (await store.read(key))!;
      try {
        await verifyDownload(url, bytes, options);
      } catch (error) {
        await store.discard(key);
        throw error;
      }
      return bytes;
    } catch (error) {
      if (options.signal?.aborted || error instanceof DownloadError || attempt >= retries) {
        if (error instanceof DownloadError || options.signal?.aborted) throw error;
        throw new DownloadError(`${url}: ${(error as Error).message} (after ${attempt + 1} attempts; the bytes so far are kept, so trying again resumes)`);
      }
      await new Promise((r) => setTimeout(r, (options.backoffMs ?? 500) * 2 ** attempt));
    }
  }
}
