/**
 * The whole lab on the nmkd SD 1.5 stand-in (models/sd15-arch/narrow/nmkd,
 * served as a URL manifest by e2e/sd15-standins.ts), in Chromium: prompts,
 * a collection stopped by a reload and resumed (the model read back from
 * OPFS, nothing downloaded again) that ends with the CLI's file byte for
 * byte, the dynamics fit, an SAE, a latent's page and a steered image. Kept
 * small (ten prompts, four sampler steps) because every UNet call runs on
 * wasm here, yet with enough images that the reload after the first one
 * always lands mid-collection, however fast the machine; e2e/sd15-standin.spec.ts
 * covers download, hooks and generation.
 */
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { expect, test } from '@playwright/test';
import { cliInBackground } from './cli';
import { dropFile } from './drop-file';
import { exported, trainSmallSae } from './lab-page';
import { loadStandin, manifestOf, NARROW, openModelPage, serveLabWithStandins } from './sd15-standins';

const PROMPTS = [
  'a photograph of an astronaut riding a horse',
  'a red apple on a wooden table',
  'a lighthouse at night',
  'a bowl of soup',
  'a small boat on a lake',
  'a cat asleep on a sofa',
  'a snowy mountain at dawn',
  'a city street in the rain',
  'a field of sunflowers',
  'an old clock tower',
];
const STEPS = '4';
const S = '3';

test('prompts, a collection resumed after a reload, fit, SAE, a latent and steering on the SD 1.5 stand-in', async ({ page }) => {
  test.setTimeout(900_000);
  const dir = mkdtempSync(join(tmpdir(), 'sd15-standin-lab-'));
  writeFileSync(join(dir, 'prompts.txt'), PROMPTS.join('\n'));
  // The CLI's collection meanwhile, in its own process (this one serves the files).
  const cliFile = join(dir, 'cli.safetensors');
  const cliCollect = cliInBackground('collect', '--model', join(NARROW, 'nmkd'), '--prompts', join(dir, 'prompts.txt'), '--steps', STEPS, '--record', S, '--out', cliFile);
  const name = manifestOf('nmkd').name;
  const server = await serveLabWithStandins();
  try {
    await openModelPage(page, server);
    await loadStandin(page, 'sd15-standin-nmkd', name);

    await page.getByTestId('stage-prompts').click();
    await dropFile(page, 'prompts.txt', PROMPTS.join('\n'));
    await expect(page.getByTestId('prompts-count')).toHaveText(`${PROMPTS.length} prompts`);

    await page.getByTestId('stage-collect').click();
    await page.getByTestId('collect-steps').fill(STEPS);
    await page.getByTestId('collect-S').fill(S);
    await page.getByTestId('start-collect').click();
    await expect(page.getByTestId('thumbnails').locator('figure:not(.current)')).toHaveCount(1, { timeout: 240_000 });
    await page.screenshot({ path: 'test-results/sd15-standin-collect-running.png', fullPage: true });

    // A reload stops it; the page loads the toy at start, so the stand-in is loaded again, from OPFS.
    await page.reload();
    await expect(page.getByTestId('stage-collect')).toHaveAttribute('data-state', 'paused', { timeout: 120_000 });
    await page.getByTestId('stage-model').click();
    await expect(page.getByTestId('model-status')).toHaveText('loaded', { timeout: 180_000 });
    const before = server.requests.length;
    await loadStandin(page, 'sd15-standin-nmkd', name);
    const fetched = server.requests.slice(before).map((r) => r.path).filter((p) => p.startsWith('/models/sd15-standin-nmkd/'));
    expect(fetched.length).toBeGreaterThan(0);
    expect(fetched.filter((path) => !path.endsWith('/manifest.json'))).toEqual([]);
    await page.getByTestId('stage-collect').click();
    const resume = page.getByTestId('resume-collect');
    await expect(resume).toBeEnabled({ timeout: 60_000 });
    const kept = Number(new RegExp(`\\((\\d+) of ${PROMPTS.length}`).exec((await resume.textContent()) ?? '')?.[1]);
    expect(kept).toBeGreaterThanOrEqual(1);
    expect(kept).toBeLessThan(PROMPTS.length);
    await resume.click();
    await expect(page.getByTestId('stage-collect')).toHaveAttribute('data-state', 'done', { timeout: 300_000 });
    await expect(page.getByTestId('thumbnails').locator('canvas')).toHaveCount(PROMPTS.length);
    const [trajectories] = await exported(page, 'export-trajectories', dir);
    await cliCollect;
    expect(readFileSync(trajectories).equals(readFileSync(cliFile))).toBe(true);

    await page.getByTestId('stage-dynamics').click();
    await page.getByTestId('fit-compare').click();
    await expect(page.getByTestId('r2-table').locator('tr[data-variant]')).toHaveCount(4, { timeout: 240_000 });
    const r2 = await page.getByTestId('r2-table').locator('tr[data-variant="full"] td[data-r2]').evaluateAll((cells) => cells.map((c) => Number(c.getAttribute('data-r2'))));
    expect(r2).toHaveLength(Number(S) - 1);
    for (const value of r2) expect(Number.isFinite(value)).toBe(true);

    await page.getByTestId('stage-sae').click();
    await trainSmallSae(page);
    await expect(page.getByTestId('training-state')).toHaveText('done', { timeout: 300_000 });
    const fvu = Number(await page.getByTestId('eval-fvu-z').getAttribute('data-value'));
    expect(Number.isFinite(fvu)).toBe(true);

    await page.getByTestId('stage-latents').click();
    await expect(page.getByTestId('latent-row').first()).toBeVisible({ timeout: 120_000 });
    await page.getByTestId('latent-row').first().click();
    await expect(page.getByTestId('heatmaps').locator('canvas').first()).toBeVisible({ timeout: 120_000 });
    await page.screenshot({ path: 'test-results/sd15-standin-latent.png', fullPage: true });

    await page.getByTestId('steer-with-latent').click();
    await expect(page.getByTestId('steered-image')).toBeVisible({ timeout: 240_000 });
    await page.screenshot({ path: 'test-results/sd15-standin-steer.png', fullPage: true });
  } finally {
    await server.close();
  }
});
