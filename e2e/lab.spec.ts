/**
 * The lab's first half in Chromium with WebGPU on SwiftShader, on the toy
 * model, with real clicks and a real file drop: prompts → collect → fit →
 * train, each stage's numbers read back from the DOM.
 */
import { expect, test } from '@playwright/test';
import { dropFile } from './drop-file';

const PROMPTS = [
  'a small red circle at the top left on a blue background',
  'a large green square in the centre on a white background',
  'a small yellow triangle at the bottom right on a black background',
  'a large purple cross on the left on a gray background',
  'a small orange circle at the top on a white background',
  'a large blue square at the bottom on a black background',
  'a small green triangle on the right on a blue background',
  'a large red cross at the bottom left on a gray background',
].join('\n');

test('drop a prompt file, collect, fit and train an SAE', async ({ page }) => {
  test.setTimeout(600_000);
  await page.goto('/#prompts');
  await expect(page.getByTestId('stage-model')).toHaveAttribute('data-state', 'done', { timeout: 120_000 });
  await dropFile(page, 'shapes.txt', PROMPTS);
  await expect(page.getByTestId('prompts-count')).toHaveText('8 prompts');
  await expect(page.getByTestId('preview-count')).toContainText('8 (8 distinct');
  await page.screenshot({ path: 'test-results/lab-prompts.png', fullPage: true });

  await page.getByTestId('stage-collect').click();
  await page.getByTestId('collect-steps').fill('10');
  await page.getByTestId('collect-S').fill('4');
  await page.getByTestId('start-collect').click();
  await expect(page.getByTestId('collect-progress')).toBeVisible();
  await page.screenshot({ path: 'test-results/lab-collect-running.png', fullPage: true });
  await expect(page.getByTestId('stage-collect')).toHaveAttribute('data-state', 'done', { timeout: 300_000 });
  await page.screenshot({ path: 'test-results/lab-collect.png', fullPage: true });

  await page.getByTestId('stage-dynamics').click();
  await page.getByTestId('fit-compare').click();
  await expect(page.getByTestId('r2-table')).toBeVisible({ timeout: 120_000 });
  await page.screenshot({ path: 'test-results/lab-dynamics.png', fullPage: true });

  await page.getByTestId('stage-sae').click();
  await page.getByTestId('sae-latents').fill('32');
  await page.getByTestId('sae-k').fill('4');
  await page.getByTestId('sae-steps').fill('40');
  await page.getByTestId('sae-batchSize').fill('64');
  await page.getByTestId('train').click();
  await expect(page.getByTestId('training-state')).toHaveText('done', { timeout: 300_000 });
  await page.screenshot({ path: 'test-results/lab-sae.png', fullPage: true });
});
