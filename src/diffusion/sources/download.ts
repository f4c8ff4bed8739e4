/**
 * One file from a URL into a ByteStore: progress (bytes, rate, ETA),
 * resumable over HTTP Range after a dropped connection or a cancel (the
 * partial bytes stay in the store), retried with exponential backoff, and
 * checked against Content-Length / Content-Range, the expected size and
 * sha256 before it is committed to the cache.
 */
import type { ByteStore } from './byte-store';
import type { ReadOptions } from './model-files';
import { sha256Hex } from './sha256';
import { formatBytes, ModelSourceError } from './source-error';

export interface DownloadOptions extends ReadOptions {
  /** Name shown in progress and messages (the manifest path); default the URL's last two segments. */
  path?: string;
  expectedBytes?: number;
  sha256?: string;
  /** Attempts after a dropped connection or a 5xx before giving up (default 4). */
  retries?: number;
  /** First backoff in ms, doubled per retry (default 500). */
  backoffMs?: number;
  fetch?: typeof fetch;
}

/** Appends to the store in pieces of this size, not per network chunk (OPFS writes are costly). */
const FLUSH_BYTES = 4 * 2 ** 20;
/** At most this often a progress event while bytes stream in (the last one always comes). */
const PROGRESS_MS = 100;

/** Statuses worth retrying: timeouts, rate limits and server errors (RFC 9110 §15). */
const RETRYABLE = new Set([408, 425, 429, 500, 502, 503, 504]);

/** `Content-Range: bytes <first>-<last>/<total|*>` (RFC 9110 §14.4). */
function parseContentRange(header: string | null): { first: number; total: number | null } | null {
  const m = /^bytes (\d+)-(\d+)\/(\d+|\*)$/.exec(header?.trim() ?? '');
  return m ? { first: Number(m[1]), total: m[3] === '*' ? null : Number(m[3]) } : null;
}

/** Thrown for a response that retrying will not fix. */
class Fatal extends Error {}

export async function downloadToStore(url: string, store: ByteStore, key: string, options: DownloadOptions = {}): Promise<Uint8Array> {
  const doFetch = options.fetch ?? fetch;
  const path = options.path ?? url.split('/').slice(-2).join('/');
  const { expectedBytes, onProgress, signal } = options;
  const cached = await store.read(key);
  if (cached && (expectedBytes === undefined || cached.length === expectedBytes)) {
    onProgress?.({ path, loaded: cached.length, total: cached.length, bytesPerSecond: 0, etaSeconds: 0, fromCache: true });
    return cached;
  }
  // A cached copy of another size is stale (the manifest moved to another revision).
  if (cached) await store.discard(key);

  const retries = options.retries ?? 4;
  const started = performance.now();
  let fetched = 0;
  let lastError: Error | null = null;
  for (let attempt = 0; attempt <= retries; attempt++) {
    if (attempt > 0) await sleep((options.backoffMs ?? 500) * 2 ** (attempt - 1), signal);
    signal?.throwIfAborted();
    let offset = await store.partialLength(key);
    if (expectedBytes !== undefined && offset > expectedBytes) {
      await store.discard(key);
      offset = 0;
    }
    try {
      let total: number | null = expectedBytes ?? null;
      if (offset !== expectedBytes) {
        const response = await doFetch(url, { headers: offset > 0 ? { Range: `bytes=${offset}-` } : {}, signal });
        if (response.status === 206) {
          const range = parseContentRange(response.headers.get('Content-Range'));
          if (!range || range.first !== offset) {
            // A range we did not ask for: keep nothing and start over, without Range.
            await response.body?.cancel();
            await store.discard(key);
            throw new Error(`the server answered a request for bytes from ${offset} with Content-Range "${response.headers.get('Content-Range')}"`);
          }
          total = range.total ?? total;
        } else if (response.status === 200) {
          // The server ignored Range: the body is the whole file.
          if (offset > 0) await store.discard(key);
          offset = 0;
          const length = response.headers.get('Content-Length');
          total = length === null ? total : Number(length);
        } else if (response.status === 416 && offset > 0) {
          // Our partial is at or past the end of what the server has: compare with the real size.
          // RFC 9110 §15.5.17: a 416 carries `Content-Range: bytes */<size>`.
          const size = /^bytes \*\/(\d+)$/.exec(response.headers.get('Content-Range')?.trim() ?? '');
          await response.body?.cancel();
          if (size && Number(size[1]) === offset) total = offset;
          else {
            await store.discard(key);
            throw new Error(`the server refused the range from byte ${offset} (HTTP 416)`);
          }
        } else {
          await response.body?.cancel();
          const message = `${path}: HTTP ${response.status} ${response.statusText} from ${url}${response.status === 404 ? ' — the file is not at that URL (check the repository, revision and path in the manifest)' : response.status === 401 || response.status === 403 ? ' — the file needs a login or licence acceptance; download it yourself and drop the files in' : ''}`;
          if (!RETRYABLE.has(response.status)) throw new Fatal(message);
          throw new Error(message);
        }
        if (total !== null && expectedBytes !== undefined && total !== expectedBytes) {
          await response.body?.cancel();
          throw new Fatal(`${path}: the server at ${url} has ${total} bytes, the manifest says ${expectedBytes}: the manifest does not describe this file (another revision?)`);
        }
        if (response.status !== 416) offset = await receive(response, offset, total);
      }
      if (total !== null && offset < total) throw new Error(`the connection closed at ${offset} of ${total} bytes`);
      const bytes = await store.readPartial(key);
      try {
        await verify(bytes, path, url, options);
      } catch (error) {
        await store.discard(key);
        throw error;
      }
      await store.commit(key);
      const seconds = (performance.now() - started) / 1000;
      onProgress?.({ path, loaded: bytes.length, total: bytes.length, bytesPerSecond: seconds > 0 ? fetched / seconds : 0, etaSeconds: 0, fromCache: false });
      return bytes;
    } catch (error) {
      if (signal?.aborted) throw signal.reason ?? error;
      if (error instanceof Fatal) throw new ModelSourceError('http', error.message);
      if (error instanceof ModelSourceError) throw error;
      lastError = error as Error;
    }
  }
  const kept = await store.partialLength(key);
  throw new ModelSourceError(
    'network',
    `${path}: the download from ${url} failed after ${retries + 1} attempts (${lastError?.message}); ${kept > 0 ? `${formatBytes(kept)} are kept in ${store.label}, so trying again resumes` : 'check the network and try again'}`,
  );

  /** Streams the body into the store's partial entry; returns the new partial length. Whatever arrived is kept, even on error or cancel. */
  async function receive(response: Response, from: number, total: number | null): Promise<number> {
    let loaded = from;
    const pending: Uint8Array[] = [];
    let pendingBytes = 0;
    let lastEvent = 0;
    const flush = async () => {
      if (pendingBytes === 0) return;
      const joined = pending.length === 1 ? pending[0] : concat(pending, pendingBytes);
      pending.length = 0;
      pendingBytes = 0;
      await out.write(joined);
    };
    const reader = response.body?.getReader();
    const out = await store.appender(key);
    try {
      while (reader) {
        const { done, value } = await reader.read();
        if (done) break;
        pending.push(value);
        pendingBytes += value.length;
        loaded += value.length;
        fetched += value.length;
        if (pendingBytes >= FLUSH_BYTES) await flush();
        const now = performance.now();
        if (onProgress && now - lastEvent >= PROGRESS_MS) {
          lastEvent = now;
          const rate = fetched / Math.max((now - started) / 1000, 1e-3);
          onProgress({ path, loaded, total, bytesPerSecond: rate, etaSeconds: total !== null ? Math.max(0, total - loaded) / rate : null, fromCache: false });
        }
      }
    } finally {
      try {
        await flush();
      } finally {
        await out.close();
      }
    }
    return loaded;
  }
}

/** Size and sha256 of a complete download; a wrong file is dropped so the next try starts clean. */
async function verify(bytes: Uint8Array, path: string, url: string, options: DownloadOptions): Promise<void> {
  if (options.expectedBytes !== undefined && bytes.length !== options.expectedBytes) {
    throw new ModelSourceError('truncated', `${path}: downloaded ${bytes.length} bytes from ${url}, the manifest says ${options.expectedBytes}; try again`);
  }
  if (options.sha256) {
    const got = await sha256Hex(bytes);
    if (got !== options.sha256) {
      throw new ModelSourceError('checksum', `${path}: the download from ${url} has sha256 ${got}, the manifest expects ${options.sha256}: the file is corrupt or not the pinned revision; it was discarded, try again`);
    }
  }
}

function concat(parts: readonly Uint8Array[], length: number): Uint8Array {
  const out = new Uint8Array(length);
  let o = 0;
  for (const p of parts) {
    out.set(p, o);
    o += p.length;
  }
  return out;
}

function sleep(ms: number, signal?: AbortSignal): Promise<void> {
  return new Promise((resolve, reject) => {
    const timer = setTimeout(resolve, ms);
    signal?.addEventListener('abort', () => {
      clearTimeout(timer);
      reject(signal.reason);
    }, { once: true });
  });
}
