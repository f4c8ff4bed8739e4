import { join } from 'node:path';
import { expect, type Download, type Page } from '@playwright/test';

/** Opens the lab at a stage (`search`: a query such as "?test-hooks") and waits for the default model to load. */
export async function openLab(page: Page, stage: string, search = ''): Promise<void> {
  await page.goto(`/${search}#${stage}`);
  await expect(page.getByTestId('stage-model')).toHaveAttribute('data-state', 'done', { timeout: 120_000 });
}

/** The flows' prompt file: eight shapes of the toy model's kind. */
export const SHAPE_PROMPTS = [
  'a small red circle at the top left on a blue background',
  'a large green square in the centre on a white background',
  'a small yellow triangle at the bottom right on a black background',
  'a large purple cross on the left on a gray background',
  'a small orange circle at the top on a white background',
  'a large blue square at the bottom on a black background',
  'a small green triangle on the right on a blue background',
  'a large red cross at the bottom left on a gray background',
];
/** A short collection: 10 sampler steps, 4 of them recorded. */
export const COLLECT_STEPS = '10';
export const COLLECT_S = '4';

/** Opens Collect and starts a short collection of the open project's prompts. */
export async function startCollect(page: Page): Promise<void> {
  await page.getByTestId('stage-collect').click();
  await page.getByTestId('collect-steps').fill(COLLECT_STEPS);
  await page.getByTestId('collect-S').fill(COLLECT_S);
  await page.getByTestId('start-collect').click();
}

/** On the SAE page: starts training a small SAE (32 latents, k 4, 40 steps of 64 rows). */
export async function trainSmallSae(page: Page): Promise<void> {
  await page.getByTestId('sae-latents').fill('32');
  await page.getByTestId('sae-k').fill('4');
  await page.getByTestId('sae-steps').fill('40');
  await page.getByTestId('sae-batchSize').fill('64');
  await page.getByTestId('train').click();
}

/** Clicks an export button and saves every download it starts into dir, in order. */
export async function exported(page: Page, testId: string, dir: string, count = 1): Promise<string[]> {
  // Every download the click starts, in order (several waitForEvent calls would all see the first one).
  const downloads: Download[] = [];
  const all = new Promise<void>((resolve) => {
    const take = (d: Download) => {
      downloads.push(d);
      if (downloads.length === count) {
        page.off('download', take);
        resolve();
      }
    };
    page.on('download', take);
  });
  await page.getByTestId(testId).click();
  await all;
  const paths: string[] = [];
  for (const download of downloads) {
    const path = join(dir, download.suggestedFilename());
    await download.saveAs(path);
    paths.push(path);
  }
  return paths;
}
