/**
 * The built lab and model folders from one in-process HTTP server, as a host
 * that serves the lab beside its models would: the build's headers (the
 * Content-Security-Policy allows no other http origin, so the models share
 * the page's), byte ranges (a resumed download asks for `bytes=N-`), and an
 * optional rate limit so a download of a few megabytes lasts long enough to
 * show progress and to be cancelled mid-way. Every request is recorded.
 */
import { existsSync, readFileSync, statSync } from 'node:fs';
import { createServer, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { extname, join, normalize } from 'node:path';
import { HOSTING_HEADERS } from '../hosting/security-headers';
import { CONTENT_TYPES } from './static-server';

export interface ServedRequest {
  path: string;
  /** The request's Range header, if any. */
  range: string | null;
  status: number;
}

export interface StandinServer {
  /** http://localhost:<port>/ */
  readonly url: string;
  readonly requests: ServedRequest[];
  close(): Promise<void>;
}

export interface StandinServerOptions {
  /** The built lab, served at /. */
  dist: string;
  /** URL path prefixes ("/models/sd15-standin-nmkd/") → the folders they serve. */
  mounts: Record<string, string>;
  /** Exact URL paths served from memory instead (a models/index.json listing the stand-ins, a derived graph). */
  files?: Record<string, Uint8Array | string>;
  /** Bytes per second for bodies over 1 MB (default: unlimited). */
  bytesPerSecond?: number;
}

const CHUNK = 64 * 1024;

/** `bytes=a-` or `bytes=a-b` of a body of `size` bytes; null for anything else (served whole). */
function parseRange(header: string | undefined, size: number): { first: number; last: number } | 'unsatisfiable' | null {
  const m = /^bytes=(\d+)-(\d*)$/.exec(header?.trim() ?? '');
  if (!m) return null;
  const first = Number(m[1]);
  const last = m[2] === '' ? size - 1 : Math.min(Number(m[2]), size - 1);
  return first >= size || last < first ? 'unsatisfiable' : { first, last };
}

async function sendBody(response: ServerResponse, body: Uint8Array, bytesPerSecond: number | undefined): Promise<void> {
  if (!bytesPerSecond || body.length <= 1_000_000) {
    response.end(body);
    return;
  }
  for (let at = 0; at < body.length && !response.destroyed; at += CHUNK) {
    response.write(body.subarray(at, at + CHUNK));
    await new Promise((resolve) => setTimeout(resolve, (CHUNK / bytesPerSecond) * 1000));
  }
  response.end();
}

export async function serveStandins(options: StandinServerOptions): Promise<StandinServer> {
  const requests: ServedRequest[] = [];
  const locate = (path: string): string | null => {
    const mount = Object.keys(options.mounts).find((prefix) => path.startsWith(prefix));
    const [root, rest] = mount ? [options.mounts[mount], path.slice(mount.length)] : [options.dist, path];
    const file = normalize(join(root, rest));
    if (!file.startsWith(normalize(root))) return null;
    const index = existsSync(file) && statSync(file).isDirectory() ? join(file, 'index.html') : file;
    return existsSync(index) ? index : null;
  };
  const server = createServer((request, response) => {
    const path = decodeURIComponent(new URL(request.url ?? '/', 'http://x').pathname);
    const range = request.headers.range ?? null;
    const record = (status: number) => requests.push({ path, range, status });
    for (const [name, value] of Object.entries(HOSTING_HEADERS)) response.setHeader(name, value);
    const inMemory = options.files?.[path];
    const file = inMemory === undefined ? locate(path) : null;
    if (inMemory === undefined && file === null) {
      response.writeHead(404).end();
      return record(404);
    }
    const body = inMemory === undefined ? readFileSync(file!) : typeof inMemory === 'string' ? new TextEncoder().encode(inMemory) : inMemory;
    const type = CONTENT_TYPES[extname(path === '/' ? 'index.html' : path)] ?? 'application/octet-stream';
    const wanted = parseRange(range ?? undefined, body.length);
    response.setHeader('Accept-Ranges', 'bytes');
    if (wanted === 'unsatisfiable') {
      response.writeHead(416, { 'Content-Range': `bytes */${body.length}` }).end();
      return record(416);
    }
    const part = wanted ? body.subarray(wanted.first, wanted.last + 1) : body;
    const status = wanted ? 206 : 200;
    response.writeHead(status, {
      'Content-Type': type,
      'Content-Length': part.length,
      ...(wanted && { 'Content-Range': `bytes ${wanted.first}-${wanted.last}/${body.length}` }),
    });
    record(status);
    if (request.method === 'HEAD') response.end();
    else void sendBody(response, part, options.bytesPerSecond);
  });
  await new Promise<void>((resolve) => server.listen(0, 'localhost', resolve));
  const url = `http://localhost:${(server.address() as AddressInfo).port}/`;
  return {
    url,
    requests,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}
