/**
 * The Node half of every in-browser bench: serves the bench's page with Vite
 * on a free localhost port (COOP/COEP from vite.config.ts), opens it in
 * headless Chromium with WebGPU (e2e/chromium.ts), calls the page's entry
 * function and prints each JSON line it reports on stdout. Progress and
 * errors go to stderr; any failure exits non-zero.
 */
import type { AddressInfo } from 'node:net';
import { createServer } from 'vite';
import { launchChromium } from '../../e2e/chromium';

/** What every bench page takes; a page may take further flags (BenchPage.flags), each a boolean of the same name. */
export interface BenchOptions {
  /** Full-size shapes (a real GPU) instead of the emulated-adapter budget. */
  full: boolean;
}

const COMMON_FLAGS = { full: 'full-size shapes, for a real GPU' };

export interface BenchPage {
  /** The npm script, for messages: 'bench:linalg'. */
  script: string;
  /** The page, relative to the repository root: 'bench/linalg/index.html'. */
  page: string;
  /** The global function the page defines to run the bench: 'runLinalgBench'. */
  entry: string;
  /** Flags beyond --full, by name (without the dashes), with what each does. */
  flags?: Record<string, string>;
}

declare global {
  interface Window {
    /** Provided by runBenchPage (Playwright's exposeFunction); absent when a page is opened by hand. */
    benchReport?: (line: string) => Promise<void>;
  }
}

/** Runs `bench` with the command-line `args`, exiting non-zero on any failure. */
export function runBenchPage(bench: BenchPage, args: readonly string[]): void {
  main(bench, args).catch((error: unknown) => {
    process.stderr.write(`${bench.script} failed: ${error instanceof Error ? error.message : String(error)}\n`);
    process.exit(1);
  });
}

function parseArgs(bench: BenchPage, args: readonly string[]): Record<string, boolean> {
  const flags: Record<string, string> = { ...COMMON_FLAGS, ...bench.flags };
  const options = Object.fromEntries(Object.keys(flags).map((name) => [name, false]));
  for (const arg of args) {
    if (arg === '--') continue;
    const name = arg.replace(/^--/, '');
    if (arg.startsWith('--') && name in flags) {
      options[name] = true;
    } else {
      const usage = Object.entries(flags).map(([flag, what]) => `  --${flag}: ${what}`);
      const names = Object.keys(flags).map((flag) => `--${flag}`);
      throw new Error(`Unknown argument "${arg}". Should be one of: ${names.join(', ')}\nUsage: npm run ${bench.script} [-- ${names.map((n) => `[${n}]`).join(' ')}]\n${usage.join('\n')}`);
    }
  }
  return options;
}

async function main(bench: BenchPage, args: readonly string[]): Promise<void> {
  const options = parseArgs(bench, args);
  const server = await createServer({
    logLevel: 'warn',
    // Others edit the tree while a bench runs: no file watching, no reloads mid-run.
    server: { host: '127.0.0.1', port: 0, hmr: false, watch: null },
    // Pre-bundle the page's dependencies before it loads, so Vite does not reload it to add one.
    optimizeDeps: { entries: [bench.page] },
  });
  await server.listen();
  const browser = await launchChromium();
  try {
    const { port } = server.httpServer!.address() as AddressInfo;
    const url = `http://127.0.0.1:${port}/${bench.page}`;
    const page = await browser.newPage();
    page.on('console', (message) => {
      if (message.type() === 'error' || message.type() === 'warning') process.stderr.write(`[page ${message.type()}] ${message.text()}\n`);
    });
    page.on('pageerror', (error) => process.stderr.write(`[page error] ${error.message}\n`));
    await page.exposeFunction('benchReport', (line: string) => process.stdout.write(`${line}\n`));
    process.stderr.write(`${bench.script}: ${options.full ? 'full-size' : 'scaled'} cases on ${url}\n`);
    await page.goto(url);
    await page.waitForFunction((entry) => typeof (window as unknown as Record<string, unknown>)[entry] === 'function', bench.entry, { timeout: 120_000 });
    await page.evaluate(
      ([entry, o]) => (window as unknown as Record<string, (options: Record<string, boolean>) => Promise<void>>)[entry](o),
      [bench.entry, options] as const,
    );
  } finally {
    await browser.close();
    await server.close();
  }
}
