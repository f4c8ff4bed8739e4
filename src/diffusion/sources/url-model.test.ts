/**
 * openUrlModel + downloadToStore against a local HTTP server over
 * public/models/toy/: downloads into a temp-dir cache with progress,
 * resumes after a dropped connection or a cancel with a Range request for
 * only the missing bytes, reads a second time from the cache, and rejects
 * wrong files with messages that say what to do.
 */
import { createHash } from 'node:crypto';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { cacheKey, type ByteStore } from './byte-store';
import type { DownloadProgress } from './model-files';
import { nodeByteStore } from './node-store';
import { ModelSourceError } from './source-error';
import { startTestFileServer, type TestFileServer } from './test-file-server';
import { openUrlModel } from './url-model';

const toyDir = join(dirname(fileURLToPath(import.meta.url)), '..', '..', '..', 'public', 'models', 'toy');
const UNET = 'unet/model.onnx';
const toyManifest = JSON.parse(await readFile(join(toyDir, 'manifest.json'), 'utf8'));
const unetBytes = new Uint8Array(await readFile(join(toyDir, UNET)));

let server: TestFileServer;
let cacheDir: string;
let store: ByteStore;
const fast = { retries: 3, backoffMs: 1 };

beforeAll(async () => {
  server = await startTestFileServer(toyDir);
});
afterAll(async () => {
  await server.close();
});
beforeEach(async () => {
  cacheDir = await mkdtemp(join(tmpdir(), 'traj-cache-'));
  store = nodeByteStore(cacheDir);
  server.log.length = 0;
  server.overrides.clear();
  server.ignoreRange = false;
});
afterEach(async () => {
  await rm(cacheDir, { recursive: true, force: true });
});

/** Serves a variant of the toy manifest at `name` and returns its URL. */
function serveManifest(name: string, edit: (m: typeof toyManifest) => void): string {
  const m = structuredClone(toyManifest);
  edit(m);
  server.overrides.set(name, new TextEncoder().encode(JSON.stringify(m)));
  return `${server.url}${name}`;
}

const served = (path: string) => server.log.filter((r) => r.path === path);

describe('openUrlModel', () => {
  it('downloads every file with monotonic progress ending at the total, then reads them from the cache without a request', async () => {
    const events: DownloadProgress[] = [];
    const model = await openUrlModel(`${server.url}manifest.json`, { store, onProgress: (p) => events.push(p) });
    const paths = Object.keys(model.manifest.files);
    expect(paths).toContain(UNET);
    for (const path of paths) {
      const bytes = await model.read(path);
      expect(Buffer.from(bytes).equals(await readFile(join(toyDir, path))), path).toBe(true);
      const mine = events.filter((e) => e.path === path);
      expect(mine.length).toBeGreaterThan(0);
      for (let i = 1; i < mine.length; i++) expect(mine[i].loaded).toBeGreaterThanOrEqual(mine[i - 1].loaded);
      const last = mine[mine.length - 1];
      expect(last.loaded).toBe(bytes.length);
      expect(last.total).toBe(bytes.length);
      expect(last.fromCache).toBe(false);
      expect(mine.every((e) => e.bytesPerSecond >= 0)).toBe(true);
    }

    server.log.length = 0;
    events.length = 0;
    const again = await openUrlModel(`${server.url}manifest.json`, { store, onProgress: (p) => events.push(p) });
    expect(again.id).toBe(model.id);
    for (const path of paths) expect((await again.read(path)).length).toBe((await readFile(join(toyDir, path))).length);
    // Only the manifest is asked for again (it may change); the files come from the cache.
    expect(server.log.map((r) => r.path)).toEqual(['manifest.json']);
    expect(events.every((e) => e.fromCache)).toBe(true);

    // Offline: the cached manifest and files still open.
    const offline = await openUrlModel(`${server.url}manifest.json`, { store, fetch: () => Promise.reject(new TypeError('fetch failed')) });
    expect((await offline.read(UNET)).length).toBe(unetBytes.length);
  });

  it('resumes after a dropped connection, fetching only the remaining bytes', async () => {
    server.dropAfter.set(UNET, 1_000_000);
    const model = await openUrlModel(`${server.url}manifest.json`, { store, ...fast });
    const bytes = await model.read(UNET);
    expect(Buffer.from(bytes).equals(Buffer.from(unetBytes))).toBe(true);
    const [first, second] = served(UNET);
    expect(served(UNET)).toHaveLength(2);
    expect(first).toMatchObject({ status: 200, range: null, bytesSent: 1_000_000 });
    const resumedFrom = Number(/^bytes=(\d+)-$/.exec(second.range ?? '')?.[1]);
    expect(second.status).toBe(206);
    expect(resumedFrom).toBeGreaterThan(0);
    expect(resumedFrom).toBeLessThanOrEqual(1_000_000);
    expect(second.bytesSent).toBe(unetBytes.length - resumedFrom);
  });

  it('keeps the partial bytes on cancel and resumes from them on the next read', async () => {
    server.dropAfter.set(UNET, 2_000_000); // slow the first response down: the cancel lands mid-body
    const model = await openUrlModel(`${server.url}manifest.json`, { store, ...fast });
    const controller = new AbortController();
    const read = model.read(UNET, {
      signal: controller.signal,
      onProgress: (p) => {
        if (p.loaded > 500_000) controller.abort(new DOMException('cancelled by the user', 'AbortError'));
      },
    });
    await expect(read).rejects.toThrow(/cancelled/);
    const kept = await store.partialLength(cacheKey(`${server.url}${UNET}`));
    expect(kept).toBeGreaterThan(0);
    server.dropAfter.clear();
    const bytes = await model.read(UNET);
    expect(Buffer.from(bytes).equals(Buffer.from(unetBytes))).toBe(true);
    expect(served(UNET).at(-1)).toMatchObject({ status: 206, range: `bytes=${kept}-`, bytesSent: unetBytes.length - kept });
  });

  it('gives the right bytes from a server that ignores Range', async () => {
    server.ignoreRange = true;
    server.dropAfter.set(UNET, 700_000);
    const model = await openUrlModel(`${server.url}manifest.json`, { store, ...fast });
    const bytes = await model.read(UNET);
    expect(Buffer.from(bytes).equals(Buffer.from(unetBytes))).toBe(true);
    expect(served(UNET).map((r) => r.status)).toEqual([200, 200]);
    expect(served(UNET)[1].range).toMatch(/^bytes=\d+-$/);
  });

  it('checks bytes and sha256 from the manifest, and keeps nothing wrong in the cache', async () => {
    // node:crypto as the independent reference for the manifest's sha256.
    const sha = createHash('sha256').update(unetBytes).digest('hex');
    const good = serveManifest('good.json', (m) => (m.unet = { ...m.unet, bytes: unetBytes.length, sha256: sha }));
    expect((await (await openUrlModel(good, { store })).read(UNET)).length).toBe(unetBytes.length);

    const wrongSha = serveManifest('wrong-sha.json', (m) => (m.unet = { ...m.unet, bytes: unetBytes.length, sha256: '0'.repeat(64) }));
    const other = nodeByteStore(join(cacheDir, 'other'));
    const error = await (await openUrlModel(wrongSha, { store: other })).read(UNET).catch((e) => e);
    expect(error).toBeInstanceOf(ModelSourceError);
    expect(error.kind).toBe('checksum');
    expect(error.message).toMatch(new RegExp(`unet/model.onnx: the download from .* has sha256 ${sha}, the manifest expects 0{64}`));
    const key = cacheKey(`${server.url}${UNET}`);
    expect(await other.size(key)).toBeNull();
    expect(await other.partialLength(key)).toBe(0);
  });

  it('rejects a file whose size differs from the manifest (truncated on the server)', async () => {
    server.overrides.set(UNET, unetBytes.subarray(0, 4096));
    const url = serveManifest('sized.json', (m) => (m.unet = { ...m.unet, bytes: unetBytes.length }));
    const error = await (await openUrlModel(url, { store, ...fast })).read(UNET).catch((e) => e);
    expect(error.message).toBe(`unet/model.onnx: the server at ${server.url}${UNET} has 4096 bytes, the manifest says ${unetBytes.length}: the manifest does not describe this file (another revision?)`);
  });

  it('rejects a graph that is not ONNX (an HTML page) and drops it from the cache', async () => {
    server.overrides.set('vae_decoder/model.onnx', new TextEncoder().encode('<!DOCTYPE html><html><body>Sign in</body></html>'));
    const model = await openUrlModel(`${server.url}manifest.json`, { store });
    const error = await model.read('vae_decoder/model.onnx').catch((e) => e);
    expect(error.kind).toBe('not-onnx');
    expect(error.message).toBe('toy-sd: vae_decoder/model.onnx is not an ONNX model; it is an HTML page (an error or login page saved in its place): download the file itself');
    expect(await store.size(cacheKey(`${server.url}vae_decoder/model.onnx`))).toBeNull();
  });

  it('names HTTP errors with their status, retrying 5xx but not 404', async () => {
    server.failNext.set(UNET, 503);
    const model = await openUrlModel(`${server.url}manifest.json`, { store, ...fast });
    expect((await model.read(UNET)).length).toBe(unetBytes.length);
    expect(served(UNET).map((r) => r.status)).toEqual([503, 200]);

    const missing = serveManifest('missing.json', (m) => (m.vaeDecoder = { file: 'vae_decoder/absent.onnx' }));
    server.log.length = 0;
    const error = await (await openUrlModel(missing, { store, ...fast })).read('vae_decoder/absent.onnx').catch((e) => e);
    expect(error.kind).toBe('http');
    expect(error.message).toMatch(/^vae_decoder\/absent\.onnx: HTTP 404 Not Found from .*absent\.onnx — the file is not at that URL/);
    expect(served('vae_decoder/absent.onnx')).toHaveLength(1);
  });

  it('refuses to start a download that does not fit, naming needed and available bytes', async () => {
    const url = serveManifest('big.json', (m) => (m.unet = { ...m.unet, externalData: { file: 'unet/weights.pb', location: 'weights.pb', bytes: 1_718_976_000 } }));
    const small: ByteStore = { ...store, available: async () => 100 * 2 ** 20 };
    const error = await (await openUrlModel(url, { store: small })).read(UNET).catch((e) => e);
    expect(error.kind).toBe('quota');
    expect(error.message).toBe(`not enough storage for toy-sd: 1.60 GiB still to download, 100.0 MiB available in ${cacheDir}. Free space (remove other cached models or this site's data, or free disk space), or open the model from local files instead`);
    expect(served(UNET)).toHaveLength(0);
  });

  it('says which paths exist when asked for one the manifest does not list', async () => {
    const model = await openUrlModel(`${server.url}manifest.json`, { store });
    await expect(model.read('unet/other.onnx')).rejects.toThrow(/"unet\/other.onnx" is not a file of this model. Should be one of: text_encoder\/model.onnx, unet\/model.onnx/);
    expect(await model.size(UNET)).toBe(unetBytes.length);
  });
});
