import { join } from 'node:path';
import { expect, type Download, type Page } from '@playwright/test';

/** Opens the lab at a stage and waits for the default model to load. */
export async function openLab(page: Page, stage: string): Promise<void> {
  await page.goto(`/#${stage}`);
  await expect(page.getByTestId('stage-model')).toHaveAttribute('data-state', 'done', { timeout: 120_000 });
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
