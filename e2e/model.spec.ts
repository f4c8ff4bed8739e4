/**
 * The Model stage in Chromium with WebGPU on SwiftShader: the embedded toy
 * model loads on first start (wasm provider on a fallback adapter, as
 * "auto" decides), a generation gives the same pixels as the CLI in Node
 * for the same prompt and seed, and a short generation runs through
 * onnxruntime-web's WebGPU provider too.
 */
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { expect, test, type Page } from '@playwright/test';
import { readPng } from './read-png';

const PROMPT = 'a small red circle at the top left on a blue background';

/** The CLI's image for PROMPT, seed 0 (Node, onnxruntime-web wasm). */
function cliImage(steps: number): Uint8Array {
  const dir = mkdtempSync(join(tmpdir(), 'cli-generate-'));
  writeFileSync(join(dir, 'p.txt'), `${PROMPT}\n`);
  execFileSync('npx', ['vite-node', 'src/cli/main.ts', '--', 'generate', '--model', 'public/models/toy', '--prompts', join(dir, 'p.txt'), '--seed', '0', '--steps', String(steps), '--out', dir], { stdio: 'pipe' });
  return readPng(readFileSync(join(dir, '0000.png'))).data;
}

async function canvasPixels(page: Page): Promise<number[]> {
  return page.getByTestId('generated-image').evaluate((c: HTMLCanvasElement) => Array.from(c.getContext('2d')!.getImageData(0, 0, c.width, c.height).data));
}

async function generate(page: Page, steps: number, duringRun?: () => Promise<void>): Promise<void> {
  await page.getByTestId('prompt-input').fill(PROMPT);
  await page.getByTestId('seed-input').fill('0');
  await page.getByTestId('steps-input').fill(String(steps));
  const image = page.getByTestId('generated-image');
  const before = (await image.count()) > 0 ? await image.getAttribute('data-image-id') : null;
  await page.getByTestId('generate').click();
  await duringRun?.();
  await expect(page.getByTestId('generated-image')).not.toHaveAttribute('data-image-id', before ?? '', { timeout: 240_000 });
}

test('the toy model loads on first start and draws the same image as the CLI', async ({ page }) => {
  test.setTimeout(240_000);
  const reference = cliImage(25);
  await page.goto('/#model');
  await expect(page.getByTestId('model-status')).toHaveText('loaded', { timeout: 120_000 });
  await expect(page.getByTestId('model-provider')).toContainText('wasm');
  await expect(page.getByTestId('model-name')).toHaveText('toy-sd');
  // Its files are now in OPFS: the page says a load reads them from disk.
  await expect(page.getByTestId('model-cache')).toContainText('Cached in this browser');
  await generate(page, 25);
  const pixels = await canvasPixels(page);
  expect(pixels.length).toBe(64 * 64 * 4);
  expect(pixels).toEqual(Array.from(reference));
  await page.screenshot({ path: 'test-results/model-stage.png', fullPage: true });
});

test('a short generation runs through the WebGPU execution provider', async ({ page }) => {
  test.setTimeout(300_000);
  const wasm = cliImage(2);
  await page.goto('/#model');
  await expect(page.getByTestId('model-status')).toHaveText('loaded', { timeout: 120_000 });
  await page.getByTestId('provider-choice').selectOption('webgpu');
  await page.getByTestId('load-model').click();
  await expect(page.getByTestId('model-provider')).toContainText('webgpu', { timeout: 120_000 });
  // Each UNet call takes seconds on SwiftShader: the per-step preview (the toy's fitted latent → RGB map) shows meanwhile.
  await generate(page, 2, async () => {
    await expect(page.getByTestId('step-preview')).toBeVisible({ timeout: 60_000 });
    await page.screenshot({ path: 'test-results/model-stage-step-preview.png', fullPage: true });
  });
  const pixels = await canvasPixels(page);
  // Different kernels, same model: close to the wasm image, not bit-equal.
  let diff = 0;
  for (let i = 0; i < pixels.length; i++) diff += Math.abs(pixels[i] - wasm[i]);
  expect(diff / pixels.length).toBeLessThan(3);
  await page.screenshot({ path: 'test-results/model-stage-webgpu.png', fullPage: true });
});
