/**
 * `npm run bench:linalg [-- --full]`: serves bench/linalg/index.html with
 * Vite on a free localhost port (COOP/COEP from vite.config.ts), opens it in
 * headless Chromium with WebGPU (e2e/chromium.ts), runs every case in the
 * page and prints one JSON line per case and peer on stdout. Progress and
 * errors go to stderr; any failure exits non-zero.
 */
import type { AddressInfo } from 'node:net';
import { createServer } from 'vite';
import { launchChromium } from '../../e2e/chromium';
import type { LinalgBenchOptions } from './page';

const USAGE = 'Usage: npm run bench:linalg [-- --full]   (--full: full-size shapes, for a real GPU)';

function parseArgs(args: readonly string[]): LinalgBenchOptions {
  const options: LinalgBenchOptions = { full: false };
  for (const arg of args) {
    if (arg === '--') continue;
    if (arg === '--full') options.full = true;
    else throw new Error(`Unknown argument "${arg}". Should be one of: --full\n${USAGE}`);
  }
  return options;
}

async function main(): Promise<void> {
  const options = parseArgs(process.argv.slice(2));
  const server = await createServer({
    logLevel: 'warn',
    // Others edit the tree while a bench runs: no file watching, no reloads mid-run.
    server: { host: '127.0.0.1', port: 0, hmr: false, watch: null },
    // Pre-bundle the page's dependencies before it loads, so Vite does not reload it to add one.
    optimizeDeps: { entries: ['bench/linalg/index.html'] },
  });
  await server.listen();
  const browser = await launchChromium();
  try {
    const { port } = server.httpServer!.address() as AddressInfo;
    const page = await browser.newPage();
    page.on('console', (message) => {
      if (message.type() === 'error' || message.type() === 'warning') process.stderr.write(`[page ${message.type()}] ${message.text()}\n`);
    });
    page.on('pageerror', (error) => process.stderr.write(`[page error] ${error.message}\n`));
    await page.exposeFunction('benchReport', (line: string) => process.stdout.write(`${line}\n`));
    process.stderr.write(`bench/linalg: ${options.full ? 'full-size' : 'scaled'} cases on http://127.0.0.1:${port}/bench/linalg/index.html\n`);
    await page.goto(`http://127.0.0.1:${port}/bench/linalg/index.html`);
    await page.waitForFunction(() => typeof window.runLinalgBench === 'function', null, { timeout: 120_000 });
    await page.evaluate((o) => window.runLinalgBench(o), options);
  } finally {
    await browser.close();
    await server.close();
  }
}

main().catch((error: unknown) => {
  process.stderr.write(`bench/linalg failed: ${error instanceof Error ? error.message : String(error)}\n`);
  process.exit(1);
});
