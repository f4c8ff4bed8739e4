/**
 * Builds carry their own headers, for any static host:
 * - the Content-Security-Policy as a <meta> in index.html, which hosts that
 *   send no headers still apply to the page;
 * - `_headers`, the file Netlify and Cloudflare Pages read, with the policy
 *   and the COOP/COEP pair, for every file;
 * - for hosts that read no headers file (GitHub Pages), a service worker that
 *   re-serves the site with those headers (cross-origin-isolation-sw.js, with
 *   the headers written in) and the script that registers it
 *   (cross-origin-isolation.js, loaded before the app).
 *
 * Only in the build: Vite's dev server sends the headers itself and injects
 * an inline script (React's refresh preamble) that this policy would refuse.
 */
import { readFileSync } from 'node:fs';
import type { Plugin } from 'vite';
import { CONTENT_SECURITY_POLICY, HOSTING_HEADERS } from './security-headers';

const REGISTER_SCRIPT = 'cross-origin-isolation.js';
const SERVICE_WORKER = 'cross-origin-isolation-sw.js';

const source = (name: string) => readFileSync(new URL(`./${name}`, import.meta.url), 'utf8');

/** Netlify / Cloudflare Pages `_headers`: a path pattern, then its headers indented. */
export function headersFile(): string {
  const lines = Object.entries(HOSTING_HEADERS).map(([name, value]) => `  ${name}: ${value}`);
  return ['# Sent with every file of the lab; written by hosting/hosting-plugin.ts at build time.', '/*', ...lines, ''].join('\n');
}

/** The service worker with the headers it adds written in. */
export function serviceWorkerFile(): string {
  return `const HEADERS = ${JSON.stringify(HOSTING_HEADERS, null, 2)};\n${source(SERVICE_WORKER)}`;
}

export function hostingPlugin(): Plugin {
  return {
    name: 'trajectory-lab-hosting',
    apply: 'build',
    transformIndexHtml: () => [
      { tag: 'meta', attrs: { 'http-equiv': 'Content-Security-Policy', content: CONTENT_SECURITY_POLICY }, injectTo: 'head-prepend' },
      // Relative, like every URL of the build, so the site works under a sub-path.
      { tag: 'script', attrs: { src: `./${REGISTER_SCRIPT}` }, injectTo: 'head' },
    ],
    generateBundle() {
      this.emitFile({ type: 'asset', fileName: '_headers', source: headersFile() });
      this.emitFile({ type: 'asset', fileName: REGISTER_SCRIPT, source: source(REGISTER_SCRIPT) });
      this.emitFile({ type: 'asset', fileName: SERVICE_WORKER, source: serviceWorkerFile() });
    },
  };
}
