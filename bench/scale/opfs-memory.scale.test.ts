/**
 * Bounded memory in the page: the runtime worker's readers on a trajectory
 * file in the origin private file system larger than the memory the page is
 * allowed. Headless Chromium runs with V8's heap capped (PAGE_HEAP_MIB, for
 * the page and each worker); the page (bench/scale/opfs/) imports a
 * synthetic file of a few hundred MB into a project's OPFS folder (the
 * import streams it), then the worker fits the full dynamics, trains a small
 * SAE and measures its latent statistics on every token, and reads the
 * latent table. Each stage's peak memory (page and workers, array buffers
 * included, from performance.measureUserAgentSpecificMemory; and the
 * renderer process's peak resident memory) is printed and must stay well
 * below the file.
 *
 * Sizes from the environment (reduced SD 1.5 shape: 256 positions, S = 5, f16):
 *   TRAJ_OPFS_IMAGES   images (3500: 287 MB at d = 32)
 *   TRAJ_OPFS_D        channels (32; the fit's cost grows with d², the file with d; the
 *                      statistics pass's with the tokens, N · 256)
 */
import { readFileSync, rmSync, statSync } from 'node:fs';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Browser } from '@playwright/test';
import { createServer, type ViteDevServer } from 'vite';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { chromium } from '@playwright/test';
import { chromiumLaunchOptions } from '../../e2e/chromium';
import type { OpfsScaleOptions, OpfsStage } from './opfs/page';
import { writeSyntheticTrajectories } from './synthetic-file';

const env = (name: string, fallback: number) => (process.env[name] ? Number(process.env[name]) : fallback);
const N = env('TRAJ_OPFS_IMAGES', 3500);
const D = env('TRAJ_OPFS_D', 32);
const MiB = 2 ** 20;
/** V8's heap limit for the page and each of its workers: below the file's size, so holding it whole would fail. */
const PAGE_HEAP_MIB = env('TRAJ_OPFS_HEAP_MIB', 128);
/** Every stage's measured memory (page and workers) stays under a quarter of the file. */
const MEASURED_SHARE = 0.25;
const SAE: OpfsScaleOptions = { latents: 32, k: 4, batch: 1024, steps: 10 };
const PAGE = 'bench/scale/opfs/index.html';
const WORKER = 'src/worker/runtime-worker.ts';
const path = join(process.env.TRAJ_SCALE_DIR ?? tmpdir(), `trajectory-lab-opfs-${process.pid}.safetensors`);

/** Peak resident bytes of Chromium's renderer processes (the page's and its workers'), from /proc. */
async function rendererPeakRss(browser: Browser): Promise<number> {
  const cdp = await browser.newBrowserCDPSession();
  const { processInfo } = (await cdp.send('SystemInfo.getProcessInfo')) as { processInfo: { type: string; id: number }[] };
  const peaks = processInfo.filter((p) => p.type === 'renderer').map((p) => Number(/VmHWM:\s+(\d+) kB/.exec(readFileSync(`/proc/${p.id}/status`, 'utf8'))?.[1] ?? 0) * 1024);
  return Math.max(0, ...peaks);
}

describe('OPFS trajectories in Chromium with bounded memory', () => {
  let server: ViteDevServer;
  let browser: Browser;
  let fileBytes = 0;

  beforeAll(async () => {
    fileBytes = writeSyntheticTrajectories(path, { N, S: 5, side: 16, d: D, dtype: 'F16' });
    server = await createServer({
      logLevel: 'warn',
      server: { host: '127.0.0.1', port: 0, hmr: false, watch: null },
      // The worker is an entry too: a dependency first met when the worker imports it makes Vite re-bundle its
      // dependencies and answer the worker's pending imports 504, and the worker dies unloaded ("unknown error").
      // A cache of its own, so another dev server on this tree cannot re-bundle them under a run either.
      optimizeDeps: { entries: [PAGE, WORKER] },
      cacheDir: 'node_modules/.vite-opfs-scale',
    });
    await server.listen();
    const launch = chromiumLaunchOptions();
    // ForceEagerMeasureMemory: measureUserAgentSpecificMemory answers now, not at the next garbage collection.
    browser = await chromium.launch({ ...launch, args: [...launch.args!, `--js-flags=--max-old-space-size=${PAGE_HEAP_MIB}`, '--enable-blink-features=ForceEagerMeasureMemory'] });
  });

  afterAll(async () => {
    await browser?.close();
    await server?.close();
    rmSync(path, { force: true });
  });

  test(`imports, fits, trains and measures a ${N}-image file with the page's heap capped at ${PAGE_HEAP_MIB} MiB`, async () => {
    expect(statSync(path).size).toBe(fileBytes);
    const page = await browser.newPage();
    page.on('pageerror', (error) => process.stderr.write(`[page error] ${error.message}\n`));
    page.on('console', (message) => process.stderr.write(`[page ${message.type()}] ${message.text()}\n`));
    // A module that fails to load (page or worker) is named here; the worker's own error event says nothing.
    page.on('response', (response) => {
      if (response.status() >= 400) process.stderr.write(`[http ${response.status()}] ${response.url()}\n`);
    });
    const { port } = server.httpServer!.address() as AddressInfo;
    await page.goto(`http://127.0.0.1:${port}/${PAGE}`);
    await page.waitForFunction(() => typeof window.runOpfsScale === 'function', undefined, { timeout: 300_000 });
    expect(await page.evaluate(() => crossOriginIsolated)).toBe(true);
    // A file chosen by path: the browser reads it from disk, as a user's file.
    await page.locator('#trajectories').setInputFiles(path);
    const { stages } = await page.evaluate((o) => window.runOpfsScale!(o), SAE);
    const rendererRss = await rendererPeakRss(browser);
    for (const s of stages as OpfsStage[]) console.log(JSON.stringify({ ...s, images: N, d: D, fileBytes }));
    console.log(JSON.stringify({ stage: 'renderer', peakRssBytes: rendererRss, fileBytes, pageHeapMiB: PAGE_HEAP_MIB }));
    expect(stages.map((s) => s.stage)).toEqual(['import', 'fit', 'train+statistics', 'latent-table']);
    for (const s of stages) {
      expect(s.peakMeasuredBytes, s.stage).not.toBeNull();
      expect(s.peakMeasuredBytes!, s.stage).toBeLessThan(MEASURED_SHARE * fileBytes);
    }
    // The file is larger than the heap the page and each worker may hold.
    expect(fileBytes).toBeGreaterThan(2 * PAGE_HEAP_MIB * MiB);
    // The whole renderer (page, workers, wasm, array buffers) at its peak holds less than the file.
    expect(rendererRss).toBeLessThan(fileBytes);
  });
});
