/**
 * SD 1.5 as the lab meets it, on the narrow stand-ins (models/sd15-arch):
 * graphs built like the public fp16 ONNX exports, served over HTTP as URL
 * manifests (e2e/sd15-standins.ts), in Chromium, whose onnxruntime-web hands
 * float16 outputs back as Float16Array. Downloads show progress, resume over
 * Range after a cancel, land in OPFS and are checked by sha256; the hooks are
 * SD 1.5's blocks; the image equals Node's (no Float16Array there); the webnn
 * layout (static batch 2, int64 timestep) generates; an unscoped graph hooks,
 * and a graph with no names left loads unhooked and says why.
 */
import { readFileSync } from 'node:fs';
import { expect, test } from '@playwright/test';
import { cliImage, generateImage, loadStandin, manifestOf, openModelPage, pixelStatistics, serveLabWithStandins, startLoading } from './sd15-standins';

const PROMPT = 'a photograph of an astronaut riding a horse';
/** SD 1.5's hook catalogue at 512 px (hooks.json: what the full-size export's graph has). */
const SD15 = JSON.parse(readFileSync('models/sd15-arch/hooks.json', 'utf8')) as { imageSize: number; hooks: { path: string; channels: number; height: number; width: number }[] };
/** SD 1.5's block widths → the narrow stand-in's. */
const NARROW_WIDTH: Record<number, number> = { 320: 8, 640: 16, 1280: 24 };

test('the nmkd stand-in: download with progress, resume after a cancel, OPFS and sha256; SD 1.5 hooks; Float16Array outputs draw what Node draws', async ({ page }) => {
  test.setTimeout(480_000);
  const steps = 4;
  // Node's image meanwhile (its own process: this one serves the files).
  const reference = cliImage('nmkd', PROMPT, steps);
  // 1.5 MB/s: the 2.4 MB graph and 2.8 MB weights take seconds, long enough to watch and cancel.
  const server = await serveLabWithStandins(1_500_000);
  try {
    await openModelPage(page, server);
    expect(await page.evaluate(() => typeof (globalThis as { Float16Array?: unknown }).Float16Array)).toBe('function');

    // A download whose bytes do not hash to the manifest's sha256 is refused and not kept.
    await startLoading(page, 'sd15-standin-corrupt');
    await expect(page.getByTestId('model-error')).toContainText(/unet\/model\.onnx: .*sha256 .*discarded/, { timeout: 120_000 });

    const manifest = manifestOf('nmkd');
    await page.getByTestId('model-choice').selectOption('sd15-standin-nmkd');
    await expect(page.getByTestId('model-cache')).toContainText('Not cached: a load downloads 6 files');
    await startLoading(page, 'sd15-standin-nmkd');
    const progress = page.getByTestId('model-progress');
    await expect(progress).toContainText(/unet\/(model\.onnx|weights\.pb) — [\d.]+ (B|KiB|MiB) of [\d.]+ MiB/, { timeout: 60_000 });
    await page.screenshot({ path: 'test-results/sd15-standin-download.png', fullPage: true });
    await page.getByTestId('cancel-load').click();
    await expect(page.getByTestId('model-error')).toContainText('cancelled');
    await expect(page.getByTestId('model-cache')).toContainText('Partly cached');

    // Load again: the partial file continues from where it stopped (a Range request answered 206).
    const before = server.requests.length;
    await loadStandin(page, 'sd15-standin-nmkd', manifest.name);
    const resumed = server.requests.slice(before).filter((r) => r.range !== null);
    expect(resumed.some((r) => /^\/models\/sd15-standin-nmkd\/unet\//.test(r.path) && /^bytes=[1-9]\d*-$/.test(r.range!) && r.status === 206)).toBe(true);
    await expect(page.getByTestId('model-cache')).toContainText('Cached in this browser: all 6 files');
    await expect(page.getByTestId('model-wasm-threads')).toBeVisible();

    // The hooks: SD 1.5's blocks in SD 1.5's order, at the stand-in's widths and this image size.
    const options = await page.getByTestId('hook-choice').locator('option').allTextContents();
    const listed = options.map((text) => /^(\S+) — (\d+) ch × (\d+)×(\d+)/.exec(text)!.slice(1));
    expect(listed.map(([path]) => path)).toEqual(SD15.hooks.map((h) => h.path));
    const scale = manifest.imageSize as number / SD15.imageSize;
    expect(listed.map(([, c, h, w]) => [Number(c), Number(h), Number(w)])).toEqual(SD15.hooks.map((h) => [NARROW_WIDTH[h.channels], h.height * scale, h.width * scale]));
    await expect(page.getByTestId('hook-choice')).toHaveValue('up_blocks.1.attentions.1');

    // Generate at the manifest's size (128 px, the smallest the narrow export lists) with a preview after each UNet call.
    const pixels = await generateImage(page, PROMPT, steps, () => expect(page.getByTestId('step-preview')).toBeVisible({ timeout: 120_000 }));
    await page.screenshot({ path: 'test-results/sd15-standin-generated.png', fullPage: true });
    expect(pixels.length).toBe(128 * 128 * 4);
    expect(pixelStatistics(pixels).variance).toBeGreaterThan(1);
    const want = await reference;
    let sum = 0;
    let max = 0;
    for (let i = 0; i < pixels.length; i++) {
      const d = Math.abs(pixels[i] - want[i]);
      sum += d;
      max = Math.max(max, d);
    }
    console.log(`nmkd stand-in, page (Float16Array) vs Node (Uint16Array): mean |Δ| ${(sum / pixels.length).toFixed(3)}, max |Δ| ${max} of 255`);
    expect(sum / pixels.length).toBeLessThan(0.5);
    expect(max).toBeLessThanOrEqual(8);
  } finally {
    await server.close();
  }
});

test('the webnn stand-in (one file, static batch 2, int64 timestep) generates', async ({ page }) => {
  test.setTimeout(300_000);
  const server = await serveLabWithStandins();
  try {
    await openModelPage(page, server);
    await loadStandin(page, 'sd15-standin-webnn', manifestOf('webnn').name);
    const pixels = await generateImage(page, PROMPT, 2);
    expect(pixels.length).toBe(128 * 128 * 4);
    expect(pixelStatistics(pixels).variance).toBeGreaterThan(1);
  } finally {
    await server.close();
  }
});

test('an unscoped graph hooks from its parameter names; a graph with no names left loads unhooked and says why', async ({ page }) => {
  test.setTimeout(300_000);
  const server = await serveLabWithStandins();
  try {
    await openModelPage(page, server);
    await loadStandin(page, 'sd15-standin-unscoped', manifestOf('nmkd-unscoped').name);
    await expect(page.getByTestId('hook-choice')).toHaveValue('up_blocks.1.attentions.1');
    await expect(page.getByTestId('hook-refusal')).toHaveCount(0);

    await loadStandin(page, 'sd15-standin-stripped', 'sd15-standin-narrow-stripped');
    const refusal = page.getByTestId('hook-refusal');
    await expect(refusal).toContainText('no block can be hooked, so this model generates images but cannot collect or steer');
    await expect(refusal).toContainText(/no UNet block can be found in it, so neither "up_blocks\.1\.attentions\.1" nor any other can be hooked/);
    await page.screenshot({ path: 'test-results/sd15-standin-unhooked.png', fullPage: true });
    const pixels = await generateImage(page, PROMPT, 2);
    expect(pixelStatistics(pixels).variance).toBeGreaterThan(1);
  } finally {
    await server.close();
  }
});
