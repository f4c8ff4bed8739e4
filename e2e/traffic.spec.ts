/**
 * No surprise traffic: through a flow that opens every page (the toy model
 * generating, prompts, collect, fit, train, a latent, steer, the device page)
 * every request the page, its workers and any service worker make goes to the
 * lab's own origin, where the toy model lives; no fonts, analytics or CDN.
 * The built index.html and stylesheets name no other host either.
 */
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { expect, test } from '@playwright/test';
import { recordCspViolations } from './csp-violations';
import { openLab } from './lab-page';
import { trainShapesProject } from './trained-lab';

const DIST = process.env.E2E_DIST ?? 'dist';

test('every request of a whole flow goes to the page’s own origin', async ({ page, context, baseURL }) => {
  test.setTimeout(600_000);
  const requests: string[] = [];
  // The context's requests include the service workers'; the page's include its dedicated workers'.
  context.on('request', (request) => requests.push(request.url()));
  page.on('request', (request) => requests.push(request.url()));
  const violations = await recordCspViolations(page);

  await openLab(page, 'model');
  await page.getByTestId('steps-input').fill('5');
  await page.getByTestId('generate').click();
  await expect(page.getByTestId('generated-image')).toBeVisible({ timeout: 240_000 });

  // The whole project flow, reloading the page at the Prompts stage: those requests are recorded too.
  await trainShapesProject(page);

  await page.getByTestId('stage-latents').click();
  await page.getByTestId('latent-row').first().click();
  await expect(page.getByTestId('heatmaps').locator('canvas').first()).toHaveAttribute('data-values', /,/, { timeout: 120_000 });
  await page.getByTestId('steer-with-latent').click();
  await expect(page.getByTestId('steered-image')).toBeVisible({ timeout: 180_000 });

  await page.getByTestId('stage-device').click();
  await expect(page.getByTestId('adapter-panel')).toBeVisible();

  const origin = new URL(baseURL!).origin;
  const elsewhere = requests.filter((url) => !/^(data|blob):/.test(url) && new URL(url).origin !== origin);
  expect(elsewhere).toEqual([]);
  // The recording saw the model's files, which the runtime worker fetches.
  expect(requests).toEqual(expect.arrayContaining([`${origin}/models/toy/manifest.json`, `${origin}/models/toy/unet/model.onnx`]));
  expect(violations).toEqual([]);
});

test('the built index.html and stylesheets name no other host: no web fonts, analytics or CDN', () => {
  const assets = join(DIST, 'assets');
  const files = [join(DIST, 'index.html'), ...readdirSync(assets).filter((name) => name.endsWith('.css')).map((name) => join(assets, name))];
  expect(files.length).toBeGreaterThan(1);
  for (const file of files) {
    const text = readFileSync(file, 'utf8');
    // XML namespaces (inline SVG) are names, not requests.
    const urls = (text.match(/(?:https?:)?\/\/[\w.-]+\.[a-z]{2,}[^\s"')]*/gi) ?? []).filter((url) => !/^http:\/\/www\.w3\.org\//.test(url));
    expect(urls, file).toEqual([]);
    expect(text, file).not.toMatch(/@import|@font-face/);
  }
});
