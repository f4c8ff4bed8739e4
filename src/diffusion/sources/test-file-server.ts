/**
 * For the sources' tests only: a local HTTP server over a folder, with
 * Range support (RFC 9110 §14) and switches that make it misbehave —
 * ignore Range, close the connection after N bytes, answer with a status —
 * and a log of what it sent, so tests can count the bytes served.
 */
import { readFile } from 'node:fs/promises';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';

export interface ServedRequest {
  path: string;
  method: string;
  range: string | null;
  status: number;
  /** Body bytes written before the response ended or the connection closed. */
  bytesSent: number;
}

export interface TestFileServer {
  /** Base URL ending in "/". */
  readonly url: string;
  readonly log: ServedRequest[];
  /** Serve these bytes for a path instead of the folder's file. */
  readonly overrides: Map<string, Uint8Array>;
  /** Answer the next request for a path with this status (once). */
  readonly failNext: Map<string, number>;
  /** Close the connection of the next request for a path after this many body bytes (once). */
  readonly dropAfter: Map<string, number>;
  /** Answer 200 with the whole file even when asked for a range. */
  ignoreRange: boolean;
  close(): Promise<void>;
}

export async function startTestFileServer(root: string): Promise<TestFileServer> {
  const state = {
    log: [] as ServedRequest[],
    overrides: new Map<string, Uint8Array>(),
    failNext: new Map<string, number>(),
    dropAfter: new Map<string, number>(),
    ignoreRange: false,
  };
  const server: Server = createServer(async (req, res) => {
    const path = decodeURIComponent(new URL(req.url ?? '/', 'http://x').pathname.slice(1));
    const entry: ServedRequest = { path, method: req.method ?? 'GET', range: req.headers.range ?? null, status: 200, bytesSent: 0 };
    state.log.push(entry);
    const fail = state.failNext.get(path);
    if (fail !== undefined) {
      state.failNext.delete(path);
      entry.status = fail;
      res.writeHead(fail).end();
      return;
    }
    let body: Uint8Array;
    try {
      body = state.overrides.get(path) ?? new Uint8Array(await readFile(join(root, path)));
    } catch {
      entry.status = 404;
      res.writeHead(404).end();
      return;
    }
    let start = 0;
    const range = /^bytes=(\d+)-$/.exec(entry.range ?? '');
    if (range && !state.ignoreRange) {
      start = Number(range[1]);
      if (start >= body.length) {
        entry.status = 416;
        res.writeHead(416, { 'Content-Range': `bytes */${body.length}` }).end();
        return;
      }
      entry.status = 206;
      res.writeHead(206, { 'Content-Range': `bytes ${start}-${body.length - 1}/${body.length}`, 'Content-Length': body.length - start, 'Accept-Ranges': 'bytes' });
    } else {
      res.writeHead(200, { 'Content-Length': body.length, 'Accept-Ranges': state.ignoreRange ? 'none' : 'bytes' });
    }
    if (req.method === 'HEAD') {
      res.end();
      return;
    }
    const part = body.subarray(start);
    const drop = state.dropAfter.get(path);
    if (drop !== undefined && drop < part.length) {
      state.dropAfter.delete(path);
      res.write(part.subarray(0, drop));
      entry.bytesSent = drop;
      // Give the client time to read what was sent, then end the connection mid-body.
      setTimeout(() => res.socket?.end(), 50);
      return;
    }
    entry.bytesSent = part.length;
    res.end(part);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return Object.assign(state, {
    url: `http://127.0.0.1:${port}/`,
    close: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve());
        // fetch keeps connections alive; without this close() waits for them to time out.
        server.closeAllConnections();
      }),
  }) as TestFileServer;
}
