/**
 * A lost GPU device in the middle of a job, on the toy model: the runtime
 * worker's device is destroyed through the test hook (the page opened with
 * ?test-hooks, on a build made with VITE_TEST_HOOKS=1, as `npm run test:e2e`
 * builds). The page must say what happened, make a new device and load the
 * model again, keep the project and its files, show the job as paused, and
 * Resume must finish it: a collection with the same file, byte for byte, as
 * the CLI's uninterrupted run; a training run from its last checkpoint;
 * the latents' labels, made right after training, made when the Latents
 * page opens; a latent's maps, drawn again by Run again.
 */
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { expect, test, type Page } from '@playwright/test';
import { cli } from './cli';
import { pageErrors } from './trained-lab';
import { dropFile } from './drop-file';
import { COLLECT_S as S, COLLECT_STEPS as STEPS, SHAPE_PROMPTS, exported, openLab, startCollect } from './lab-page';

/** Destroys the runtime worker's GPU device (what a driver reset does to it). */
async function loseWorkerDevice(page: Page): Promise<void> {
  const hooked = await page.evaluate(() => {
    const hooks = (globalThis as { trajectoryLabTestHooks?: { destroyWorkerDevice: () => void } }).trajectoryLabTestHooks;
    hooks?.destroyWorkerDevice();
    return !!hooks;
  });
  expect(hooked, 'the test hooks are off: build the lab with VITE_TEST_HOOKS=1 (npm run test:e2e does)').toBe(true);
}

/** The open project folder's file names in the page's OPFS. */
async function projectFileNames(page: Page): Promise<string[]> {
  return page.evaluate(async () => {
    type Dir = FileSystemDirectoryHandle & { values(): AsyncIterable<FileSystemHandle> };
    const projects = (await (await navigator.storage.getDirectory()).getDirectoryHandle('projects')) as Dir;
    const names: string[] = [];
    for await (const folder of projects.values()) {
      if (folder.kind === 'directory') for await (const file of (folder as Dir).values()) names.push(file.name);
    }
    return names.sort();
  });
}

/** After a loss: the banner says what happened and what to do, and the model is loaded again on a new device. */
async function expectRecovered(page: Page): Promise<void> {
  const banner = page.getByTestId('error-banner');
  await expect(banner).toContainText('The GPU device was lost (destroyed)');
  await expect(banner).toContainText('making a new GPU device and loading the model again');
  await expect(banner).toContainText('resume it on its page');
  await expect(page.getByTestId('stage-model')).toHaveAttribute('data-state', 'done', { timeout: 120_000 });
}

test('a GPU device lost mid-collection and mid-training: the model comes back, the jobs pause, and Resume finishes them', async ({ page }) => {
  test.setTimeout(900_000);
  const dir = mkdtempSync(join(tmpdir(), 'lab-e2e-loss-'));
  const prompts = SHAPE_PROMPTS.slice(0, 6);
  writeFileSync(join(dir, 'prompts.txt'), prompts.join('\n'));
  const errors = pageErrors(page);
  await openLab(page, 'prompts', '?test-hooks');
  await page.getByTestId('new-project').click();
  await dropFile(page, 'six.txt', prompts.join('\n'));
  await expect(page.getByTestId('prompts-count')).toHaveText('6 prompts');

  // Collect: lose the device after two images.
  await startCollect(page);
  await expect(page.getByTestId('thumbnails').locator('figure:not(.current)')).toHaveCount(2, { timeout: 120_000 });
  await loseWorkerDevice(page);
  await expectRecovered(page);
  await expect(page.getByTestId('stage-collect')).toHaveAttribute('data-state', 'paused');
  await expect(page.getByTestId('stage-collect-detail')).toContainText('Paused by a lost GPU device');
  await expect(page.getByTestId('collect-reason')).toContainText(/Paused by a lost GPU device after \d of 6 images — Resume continues from there/);
  const resume = page.getByTestId('resume-collect');
  await expect(resume).toBeEnabled();
  const kept = Number(/\((\d+) of 6/.exec((await resume.textContent()) ?? '')?.[1]);
  expect(kept).toBeGreaterThanOrEqual(2);
  await page.screenshot({ path: join(test.info().outputDir, 'device-lost-collect-paused.png'), fullPage: true });
  // The project and its files are kept: the images so far, the partial file and its progress record.
  const files = await projectFileNames(page);
  for (let n = 0; n < kept; n++) expect(files).toContain(`image-${String(n).padStart(6, '0')}.png`);
  expect(files).toEqual(expect.arrayContaining(['trajectories.safetensors', 'trajectories.progress.json']));
  await resume.click();
  await expect(page.getByTestId('stage-collect')).toHaveAttribute('data-state', 'done', { timeout: 300_000 });
  const [fromPage] = await exported(page, 'export-trajectories', dir);
  cli('collect', '--model', 'public/models/toy', '--prompts', join(dir, 'prompts.txt'), '--steps', STEPS, '--record', S, '--out', join(dir, 'cli.safetensors'));
  expect(readFileSync(fromPage).equals(readFileSync(join(dir, 'cli.safetensors')))).toBe(true);

  // Fit, then train: lose the device after the first checkpoint (every 30 of 300 steps).
  await page.getByTestId('stage-dynamics').click();
  await page.getByTestId('fit').click();
  await expect(page.getByTestId('stage-dynamics')).toHaveAttribute('data-state', 'done', { timeout: 180_000 });
  await page.getByTestId('stage-sae').click();
  await page.getByTestId('sae-latents').fill('32');
  await page.getByTestId('sae-k').fill('4');
  await page.getByTestId('sae-steps').fill('300');
  await page.getByTestId('sae-batchSize').fill('64');
  await page.getByTestId('train').click();
  await expect(page.getByTestId('training-summary')).toContainText(/step ([4-9]\d|[1-2]\d\d) of 300/, { timeout: 180_000 });
  await loseWorkerDevice(page);
  await expectRecovered(page);
  await expect(page.getByTestId('stage-sae')).toHaveAttribute('data-state', 'paused');
  const reason = page.getByTestId('training-reason');
  await expect(reason).toContainText(/Paused by a lost GPU device — Resume continues from the checkpoint at step \d+/);
  const checkpoint = Number(/step (\d+)/.exec((await reason.textContent()) ?? '')?.[1]);
  expect(checkpoint % 30).toBe(0);
  expect(checkpoint).toBeGreaterThanOrEqual(30);
  await expect(page.getByTestId('resume-training')).toHaveText(`Resume from step ${checkpoint}`);
  await expect(page.getByTestId('training-summary')).toContainText(`step ${checkpoint} of 300`);
  expect(await projectFileNames(page)).toContain('sae.checkpoint.safetensors');
  await page.screenshot({ path: join(test.info().outputDir, 'device-lost-training-paused.png'), fullPage: true });
  await page.getByTestId('resume-training').click();
  await expect(page.getByTestId('training-state')).toHaveText('done', { timeout: 300_000 });
  await expect(page.getByTestId('training-summary')).toContainText('step 300 of 300');

  // The latents' labels are made as soon as training ends: a loss now stops them, and the Latents page makes them when it opens.
  await loseWorkerDevice(page);
  await expectRecovered(page);
  await page.getByTestId('stage-latents').click();
  await expect(page.getByTestId('latent-row-label').first()).toBeVisible({ timeout: 120_000 });
  await expect(page.getByTestId('latents-interrupted')).toHaveCount(0);
  // A latent's maps stopped by a loss: the page says so, and Run again draws them.
  await page.getByTestId('latent-row').first().click();
  await loseWorkerDevice(page);
  await expect(page.getByTestId('latents-interrupted')).toContainText('interrupted by a lost GPU device');
  await expectRecovered(page);
  // Its panel says the maps were not made (not that the latent never fired).
  await expect(page.getByTestId('maps-missing')).toBeVisible();
  await expect(page.getByText('This latent never fired')).toHaveCount(0);
  // Nor that no latent co-fires: they were not measured.
  await expect(page.getByTestId('cofiring')).toHaveAttribute('data-state', 'failed');
  await expect(page.getByTestId('cofiring')).toContainText('not measured:');
  await page.screenshot({ path: join(test.info().outputDir, 'device-lost-latents-interrupted.png'), fullPage: true });
  await page.getByTestId('latents-run-again').click();
  await expect(page.getByTestId('latents-interrupted')).toHaveCount(0);
  await expect(page.getByTestId('heatmaps').locator('canvas').first()).toHaveAttribute('data-values', /,/, { timeout: 120_000 });
  expect(errors).toEqual([]);
});
