/**
 * The build on plain static hosts, served from this process (e2e/static-server.ts):
 * - a host that reads the build's `_headers` (Netlify, Cloudflare Pages): the page
 *   is cross-origin isolated from its first load, every file carries the
 *   Content-Security-Policy (the workers' scripts too), and the service worker
 *   fallback stays out of the way;
 * - a host that sends no headers, at a sub-path (GitHub Pages serves /<repo>/):
 *   the fallback registers its service worker, reloads once, and the page is
 *   cross-origin isolated; every file resolves under the sub-path.
 * On both the toy model loads with 2 wasm threads and generates (on the first
 * also with onnxruntime-web's WebGPU provider), with no violation of the policy.
 * Where no service worker may run, the page works single-threaded and never reloads.
 */
import { expect, test, type Browser, type BrowserContext, type Page } from '@playwright/test';
import { CONTENT_SECURITY_POLICY } from '../hosting/security-headers';
import { recordCspViolations } from './csp-violations';
import { serveStatic, type StaticServer, type StaticServerOptions } from './static-server';

const DIST = process.env.E2E_DIST ?? 'dist';

/** A fresh browser context (no service worker, no storage) on a fresh server. */
async function host(
  browser: Browser,
  options: StaticServerOptions,
  serviceWorkers: 'allow' | 'block' = 'allow',
): Promise<{ server: StaticServer; context: BrowserContext; page: Page; violations: string[] }> {
  const server = await serveStatic(DIST, options);
  const context = await browser.newContext({ serviceWorkers });
  // 2 threads where the pool may have them (the "auto" setting gives 1 on a 2-core machine).
  await context.addInitScript(() => localStorage.setItem('trajectory-lab.wasm-threads', '2'));
  const page = await context.newPage();
  const violations = await recordCspViolations(page);
  return { server, context, page, violations };
}

/** On the Model page: the toy model loaded (the page loads it at start) with `threads` wasm threads, and an image generated. */
async function generateWithToy(page: Page, threads = 2): Promise<void> {
  await expect(page.getByTestId('model-status')).toHaveText('loaded', { timeout: 120_000 });
  await expect(page.getByTestId('model-wasm-threads')).toHaveAttribute('data-threads', String(threads));
  await page.getByTestId('prompt-input').fill('a small red circle at the top left on a blue background');
  await page.getByTestId('steps-input').fill('10');
  await page.getByTestId('generate').click();
  await expect(page.getByTestId('generated-image')).toBeVisible({ timeout: 240_000 });
}

const isolated = (page: Page) => page.evaluate(() => self.crossOriginIsolated);
const serviceWorkers = (page: Page) => page.evaluate(async () => (await navigator.serviceWorker.getRegistrations()).length);

test('a host that reads _headers: isolated from the first load, the policy on every file, no service worker', async ({ browser }) => {
  test.setTimeout(300_000);
  const { server, context, page, violations } = await host(browser, { base: '/', headers: 'headers-file' });
  try {
    const headersOf: Record<string, Record<string, string>> = {};
    page.on('response', (r) => (headersOf[new URL(r.url()).pathname] = r.headers()));
    const response = await page.goto(`${server.url}#model`);
    expect(response!.headers()['content-security-policy']).toBe(CONTENT_SECURITY_POLICY);
    expect(await isolated(page)).toBe(true);
    await generateWithToy(page);
    // The runtime worker's script and the wasm threads' came with the policy, so it holds inside them too.
    const workerScripts = Object.keys(headersOf).filter((path) => /\/assets\/(runtime-worker-[\w-]+\.js|ort-wasm-[\w.-]+\.mjs)$/.test(path));
    expect(workerScripts).toHaveLength(2);
    for (const path of workerScripts) expect(headersOf[path]['content-security-policy']).toBe(CONTENT_SECURITY_POLICY);
    expect(await serviceWorkers(page)).toBe(0);
    await page.screenshot({ path: test.info().outputPath('hosting-headers-file.png'), fullPage: true });
    // onnxruntime-web's WebGPU build (what "auto" picks on a real GPU) under the policy too: its Emscripten glue
    // holds a `new Function` (embind), which the policy would refuse if a path ran it.
    await page.getByTestId('provider-choice').selectOption('webgpu');
    await page.getByTestId('load-model').click();
    await expect(page.getByTestId('model-provider')).toContainText('webgpu', { timeout: 120_000 });
    await page.getByTestId('steps-input').fill('2');
    await page.getByTestId('generate').click();
    await expect(page.locator('figure.generated figcaption')).toContainText('on webgpu', { timeout: 240_000 });
    expect(violations).toEqual([]);

    // The policy is enforced and the recorder hears it: an inline script is refused.
    await page.evaluate(() => document.head.append(Object.assign(document.createElement('script'), { textContent: 'window.inlineRan = true' })));
    // (Reported once per copy of the policy, header and <meta>, as an event and on the console.)
    await expect.poll(() => violations.length).toBeGreaterThan(0);
    for (const violation of violations) expect(violation).toMatch(/script-src/);
    expect(await page.evaluate(() => 'inlineRan' in window)).toBe(false);
  } finally {
    await context.close();
    await server.close();
  }
});

test('a host that sends no headers, at a sub-path: the service worker reloads the page once into isolation', async ({ browser }) => {
  test.setTimeout(300_000);
  const base = '/trajectory-lab/';
  const { server, context, page, violations } = await host(browser, { base, headers: 'none' });
  try {
    // Loads of the page, counted where they arrive (the reload may come before the first load event).
    const pageLoads = () => server.served.filter(({ path }) => path === base).length;
    const response = await page.goto(`${server.url}#model`);
    expect(response!.headers()['cross-origin-embedder-policy']).toBeUndefined();
    // The policy the page holds to on such a host: the <meta> in index.html, the same as the headers'.
    await expect(page.locator('meta[http-equiv="Content-Security-Policy"]')).toHaveAttribute('content', CONTENT_SECURITY_POLICY);
    // The first load registers the worker and reloads under it, once.
    await expect.poll(() => isolated(page).catch(() => false), { timeout: 60_000 }).toBe(true);
    await page.waitForLoadState();
    expect(pageLoads()).toBe(2);
    expect(await page.evaluate(() => navigator.serviceWorker.controller?.scriptURL)).toBe(`${server.url}cross-origin-isolation-sw.js`);
    await generateWithToy(page);
    await page.screenshot({ path: test.info().outputPath('hosting-service-worker.png'), fullPage: true });

    // Never a second reload: the next load is isolated at once.
    await page.reload();
    expect(await isolated(page)).toBe(true);
    await expect(page.getByTestId('model-status')).toHaveText('loaded', { timeout: 120_000 });
    expect(pageLoads()).toBe(3);

    // Every file the page, its workers and the service worker asked for was under the sub-path, and found.
    expect(server.served.length).toBeGreaterThan(10);
    expect(server.served.filter(({ path, status }) => !path.startsWith(base) || status !== 200)).toEqual([]);
    expect(server.served.map(({ path }) => path)).toEqual(expect.arrayContaining([`${base}models/toy/manifest.json`, `${base}cross-origin-isolation-sw.js`]));
    expect(violations).toEqual([]);
  } finally {
    await context.close();
    await server.close();
  }
});

test('where no service worker may run, the page on a host without headers works single-threaded and never reloads', async ({ browser }) => {
  test.setTimeout(300_000);
  const { server, context, page, violations } = await host(browser, { base: '/', headers: 'none' }, 'block');
  try {
    await page.goto(`${server.url}#model`);
    await generateWithToy(page, 1);
    await expect(page.getByTestId('model-wasm-threads')).toContainText('not cross-origin isolated');
    expect(server.served.filter(({ path }) => path === '/')).toHaveLength(1);
    expect(await isolated(page)).toBe(false);
    expect(violations).toEqual([]);
  } finally {
    await context.close();
    await server.close();
  }
});
