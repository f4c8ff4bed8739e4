/**
 * onnxruntime-web's wasm provider runs multi-threaded in the runtime worker
 * when the page is cross-origin isolated (vite preview sends COOP/COEP) and
 * the Model page's thread setting asks for it, and its image equals the
 * single-threaded one. Without isolation (the same built app with the
 * COOP/COEP headers stripped from the document, and no service worker to
 * put them back) the worker falls back to 1 thread whatever the setting, and
 * says why.
 */
import { expect, test, type Browser, type Page } from '@playwright/test';

const PROMPT = 'a small red circle at the top left on a blue background';
const STEPS = 25;

interface Run {
  threads: number;
  reason: string;
  seconds: number;
  pixels: number[];
}

async function generateToy(browser: Browser, isolated: boolean, setting: 1 | 2): Promise<Run> {
  // Without the service worker that would put the headers back (the fallback for hosts without them; e2e/hosting.spec.ts).
  const context = await browser.newContext({ serviceWorkers: 'block' });
  await context.addInitScript((value) => localStorage.setItem('trajectory-lab.wasm-threads', value), String(setting));
  if (!isolated) {
    await context.route('**/*', async (route) => {
      if (!route.request().isNavigationRequest()) return route.continue();
      const response = await route.fetch();
      const headers = { ...response.headers() };
      delete headers['cross-origin-opener-policy'];
      delete headers['cross-origin-embedder-policy'];
      await route.fulfill({ response, headers });
    });
  }
  const page = await context.newPage();
  try {
    await page.goto('/#model');
    expect(await page.evaluate(() => self.crossOriginIsolated)).toBe(isolated);
    await expect(page.getByTestId('model-status')).toHaveText('loaded', { timeout: 120_000 });
    await expect(page.getByTestId('model-provider')).toContainText('wasm');
    const threadsLine = page.getByTestId('model-wasm-threads');
    const threads = Number(await threadsLine.getAttribute('data-threads'));
    const reason = (await threadsLine.textContent()) ?? '';
    await generate(page);
    const caption = (await page.locator('figure.generated figcaption').textContent()) ?? '';
    const seconds = Number(/([\d.]+) s on/.exec(caption)?.[1] ?? NaN);
    const pixels = await page.getByTestId('generated-image').evaluate((c: HTMLCanvasElement) => Array.from(c.getContext('2d')!.getImageData(0, 0, c.width, c.height).data));
    return { threads, reason, seconds, pixels };
  } finally {
    await context.close();
  }
}

async function generate(page: Page): Promise<void> {
  await page.getByTestId('prompt-input').fill(PROMPT);
  await page.getByTestId('seed-input').fill('0');
  await page.getByTestId('steps-input').fill(String(STEPS));
  await page.getByTestId('generate').click();
  await expect(page.getByTestId('generated-image')).toBeVisible({ timeout: 240_000 });
}

test('the wasm provider runs with the threads the Model page sets when cross-origin isolated, one without, and draws the same image', async ({ browser }, testInfo) => {
  test.setTimeout(480_000);
  const threaded = await generateToy(browser, true, 2);
  expect(threaded.threads).toBe(2);
  expect(threaded.reason).toContain('set on this page; cross-origin isolated');

  const single = await generateToy(browser, true, 1);
  expect(single.threads).toBe(1);

  const fallback = await generateToy(browser, false, 2);
  expect(fallback.threads).toBe(1);
  expect(fallback.reason).toContain('not cross-origin isolated');

  testInfo.annotations.push({ type: 'seconds per image', description: `${STEPS} DDIM steps: ${single.seconds} s with 1 thread, ${threaded.seconds} s with 2` });
  console.log(`toy, ${STEPS} steps: 1 thread ${single.seconds} s, 2 threads ${threaded.seconds} s, not isolated ${fallback.seconds} s`);

  for (const other of [single, fallback]) {
    expect(other.pixels.length).toBe(64 * 64 * 4);
    expect(threaded.pixels.length).toBe(other.pixels.length);
    let maxDiff = 0;
    let differing = 0;
    for (let i = 0; i < threaded.pixels.length; i++) {
      const d = Math.abs(threaded.pixels[i] - other.pixels[i]);
      maxDiff = Math.max(maxDiff, d);
      if (d > 0) differing++;
    }
    console.log(`2 threads vs 1: ${differing} of ${threaded.pixels.length} channels differ, max |Δ| ${maxDiff}`);
    expect(maxDiff).toBeLessThanOrEqual(1);
  }
});
