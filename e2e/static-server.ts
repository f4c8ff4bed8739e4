/**
 * A plain static file server for the hosting tests, started in the test's own
 * process: it serves a built `dist/` under a base path (GitHub Pages serves a
 * project at /<repo>/) and sends either no headers beyond the content type
 * (as GitHub Pages does, for our purposes) or the rules of the build's
 * `_headers` file (as Netlify and Cloudflare Pages do).
 */
import { createReadStream, existsSync, readFileSync, statSync } from 'node:fs';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { extname, join, normalize } from 'node:path';

/** Content types by extension, for the test servers (this one and standin-server.ts). */
export const CONTENT_TYPES: Record<string, string> = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.mjs': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.json': 'application/json; charset=utf-8',
  '.svg': 'image/svg+xml',
  '.png': 'image/png',
  '.txt': 'text/plain; charset=utf-8',
  '.wasm': 'application/wasm',
};

export interface StaticServer {
  /** The site's address, ending in the base path: http://localhost:<port>/<base>/ */
  readonly url: string;
  readonly origin: string;
  /** Every path asked for, and its status, in order. */
  readonly served: { path: string; status: number }[];
  close(): Promise<void>;
}

export interface StaticServerOptions {
  /** The path the site lives under, with slashes at both ends ('/' for the root). */
  base: string;
  /** 'none': only Content-Type and Content-Length; 'headers-file': also the build's `_headers` rules. */
  headers: 'none' | 'headers-file';
}

type HeaderRule = { pattern: RegExp; headers: [string, string][] };

/** Netlify / Cloudflare Pages `_headers`: a path pattern (`*` matches anything) on its own line, its headers indented below it. */
export function parseHeadersFile(text: string): HeaderRule[] {
  const rules: HeaderRule[] = [];
  for (const line of text.split('\n')) {
    if (!line.trim() || line.trim().startsWith('#')) continue;
    if (!/^\s/.test(line)) {
      const pattern = line.trim().replace(/[.+?^${}()|[\]\\]/g, '\\$&').replace(/\*/g, '.*');
      rules.push({ pattern: new RegExp(`^${pattern}$`), headers: [] });
      continue;
    }
    const colon = line.indexOf(':');
    const rule = rules[rules.length - 1];
    if (!rule || colon < 0) throw new Error(`_headers: "${line.trim()}" is neither a path nor a "Name: value" line under one`);
    rule.headers.push([line.slice(0, colon).trim(), line.slice(colon + 1).trim()]);
  }
  return rules;
}

export async function serveStatic(dir: string, options: StaticServerOptions): Promise<StaticServer> {
  const rules = options.headers === 'headers-file' ? parseHeadersFile(readFileSync(join(dir, '_headers'), 'utf8')) : [];
  const served: { path: string; status: number }[] = [];
  const server = createServer((request, response) => {
    const path = decodeURIComponent(new URL(request.url ?? '/', 'http://x').pathname);
    const send = (status: number) => served.push({ path, status });
    if (!path.startsWith(options.base)) {
      response.writeHead(404).end();
      return send(404);
    }
    const sitePath = `/${path.slice(options.base.length)}`;
    let file = normalize(join(dir, sitePath));
    if (!file.startsWith(normalize(dir))) {
      response.writeHead(403).end();
      return send(403);
    }
    if (existsSync(file) && statSync(file).isDirectory()) file = join(file, 'index.html');
    if (!existsSync(file)) {
      response.writeHead(404).end();
      return send(404);
    }
    for (const rule of rules) if (rule.pattern.test(sitePath)) for (const [name, value] of rule.headers) response.setHeader(name, value);
    response.writeHead(200, { 'Content-Type': CONTENT_TYPES[extname(file)] ?? 'application/octet-stream', 'Content-Length': statSync(file).size });
    send(200);
    if (request.method === 'HEAD') response.end();
    else createReadStream(file).pipe(response);
  });
  await new Promise<void>((resolve) => server.listen(0, 'localhost', resolve));
  const origin = `http://localhost:${(server.address() as AddressInfo).port}`;
  return {
    url: `${origin}${options.base}`,
    origin,
    served,
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}
