/**
 * The narrow SD 1.5 stand-ins (models/sd15-arch/narrow) as models of the
 * built lab: one server gives the build and, under models/, each layout's
 * folder, with the build's models/index.json extended by them, as a host
 * that offers more models would. One more is derived here: the unscoped
 * export with its parameter names stripped too, a graph in which no UNet
 * block can be found.
 */
import { createHash } from 'node:crypto';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { expect, type Page } from '@playwright/test';
import { cliInBackground } from './cli';
import { withoutModulePaths } from '../src/diffusion/onnx/graph-builders';
import { readPng } from './read-png';
import { serveStandins, type StandinServer } from './standin-server';

const DIST = process.env.E2E_DIST ?? 'dist';
export const NARROW = 'models/sd15-arch/narrow';

/** The lab's model ids → the narrow layouts they serve. */
export const STANDINS = {
  'sd15-standin-nmkd': 'nmkd',
  'sd15-standin-unscoped': 'nmkd-unscoped',
  'sd15-standin-webnn': 'webnn',
} as const;
export type StandinId = keyof typeof STANDINS | 'sd15-standin-stripped' | 'sd15-standin-corrupt';

interface Manifest {
  name: string;
  unet: { file: string; bytes: number; sha256: string };
  hooks: { path: string; channels: number; height: number; width: number; default?: boolean }[];
  [key: string]: unknown;
}

export const manifestOf = (layout: string): Manifest => JSON.parse(readFileSync(join(NARROW, layout, 'manifest.json'), 'utf8')) as Manifest;

/**
 * The unscoped export with its initializers renamed too (`onnx::Param_k`):
 * neither node scopes nor parameter names say where a block is. Same
 * external weights.pb, same manifest but for the UNet graph's size and hash.
 */
function strippedStandin(): { manifest: Manifest; unet: Uint8Array } {
  const manifest = manifestOf('nmkd-unscoped');
  const unet = withoutModulePaths(readFileSync(join(NARROW, 'nmkd-unscoped', manifest.unet.file)), { parameters: true });
  const sha256 = createHash('sha256').update(unet).digest('hex');
  return { manifest: { ...manifest, name: 'sd15-standin-narrow-stripped', unet: { ...manifest.unet, bytes: unet.length, sha256 } }, unet };
}

/** The build and the stand-ins from one origin; `bytesPerSecond` slows the large files (see standin-server.ts). */
export async function serveLabWithStandins(bytesPerSecond?: number): Promise<StandinServer> {
  const index = JSON.parse(readFileSync(join(DIST, 'models', 'index.json'), 'utf8')) as { models: object[] };
  const stripped = strippedStandin();
  const entry = (id: StandinId, name: string) => ({ id, name, manifest: `${id}/manifest.json`, bundled: false, precision: 'fp16' });
  index.models.push(
    ...Object.entries(STANDINS).map(([id, layout]) => entry(id as StandinId, `SD 1.5 stand-in (${layout})`)),
    entry('sd15-standin-stripped', 'SD 1.5 stand-in (no names)'),
    entry('sd15-standin-corrupt', 'SD 1.5 stand-in (a corrupt UNet download)'),
  );
  // The nmkd files, but the UNet graph arrives with one byte changed: its size is right, its sha256 is not.
  const corrupt = Uint8Array.from(readFileSync(join(NARROW, 'nmkd', manifestOf('nmkd').unet.file)));
  corrupt[corrupt.length >> 1] ^= 0xff;
  const mounts = Object.fromEntries(Object.entries(STANDINS).map(([id, layout]) => [`/models/${id}/`, join(NARROW, layout)]));
  return serveStandins({
    dist: DIST,
    mounts: { ...mounts, '/models/sd15-standin-stripped/': join(NARROW, 'nmkd-unscoped'), '/models/sd15-standin-corrupt/': join(NARROW, 'nmkd') },
    files: {
      '/models/index.json': JSON.stringify(index),
      '/models/sd15-standin-stripped/manifest.json': JSON.stringify(stripped.manifest),
      '/models/sd15-standin-stripped/unet/model.onnx': stripped.unet,
      '/models/sd15-standin-corrupt/unet/model.onnx': corrupt,
    },
    bytesPerSecond,
  });
}

/** Opens the Model page on `server` once the toy (loaded at start) is ready. */
export async function openModelPage(page: Page, server: StandinServer): Promise<void> {
  await page.goto(`${server.url}#model`);
  await expect(page.getByTestId('model-status')).toHaveText('loaded', { timeout: 180_000 });
}

/** Picks a stand-in on the Model page and starts loading it (wasm: SwiftShader is slower than wasm SIMD). */
export async function startLoading(page: Page, id: StandinId): Promise<void> {
  await page.getByTestId('model-choice').selectOption(id);
  await page.getByTestId('provider-choice').selectOption('wasm');
  await page.getByTestId('load-model').click();
}

/** Picks a stand-in, loads it and waits until it is ready. */
export async function loadStandin(page: Page, id: StandinId, name: string): Promise<void> {
  await startLoading(page, id);
  await expect(page.getByTestId('model-name')).toHaveText(name, { timeout: 240_000 });
  await expect(page.getByTestId('model-status')).toHaveText('loaded');
}

/** The Model page's Generate with a prompt, seed 0 and `steps`; waits for the image (the previews are checked meanwhile when asked). */
export async function generateImage(page: Page, prompt: string, steps: number, duringRun?: () => Promise<void>): Promise<number[]> {
  await page.getByTestId('prompt-input').fill(prompt);
  await page.getByTestId('seed-input').fill('0');
  await page.getByTestId('steps-input').fill(String(steps));
  await page.getByTestId('generate').click();
  await duringRun?.();
  const image = page.getByTestId('generated-image');
  await expect(image).toBeVisible({ timeout: 240_000 });
  return image.evaluate((c: HTMLCanvasElement) => Array.from(c.getContext('2d')!.getImageData(0, 0, c.width, c.height).data));
}

/** The CLI's image in Node (onnxruntime-web wasm, no Float16Array) for `prompt`, seed 0; runs beside the browser, not blocking the server. */
export async function cliImage(layout: string, prompt: string, steps: number): Promise<Uint8Array> {
  const dir = mkdtempSync(join(tmpdir(), 'sd15-standin-cli-'));
  writeFileSync(join(dir, 'p.txt'), `${prompt}\n`);
  await cliInBackground('generate', '--model', join(NARROW, layout), '--prompts', join(dir, 'p.txt'), '--seed', '0', '--steps', String(steps), '--out', dir);
  return readPng(readFileSync(join(dir, '0000.png'))).data;
}

/** Mean and variance of an RGBA image's colour channels (alpha left out). */
export function pixelStatistics(rgba: ArrayLike<number>): { mean: number; variance: number } {
  let sum = 0;
  let sumSq = 0;
  let n = 0;
  for (let i = 0; i < rgba.length; i++) {
    if (i % 4 === 3) continue;
    sum += rgba[i];
    sumSq += rgba[i] * rgba[i];
    n++;
  }
  const mean = sum / n;
  return { mean, variance: sumSq / n - mean * mean };
}
