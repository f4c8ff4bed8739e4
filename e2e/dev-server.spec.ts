/**
 * The lab as a newcomer meets it: on the dev server (`npm run dev`, the
 * README's first command), where React's StrictMode mounts every component,
 * runs its effects, cleans them up and runs them again. The whole flow —
 * prompts → collect → fit → train → a latent → steer — with no page error,
 * no error logged to the console and no panel replaced by its error boundary.
 * The production build never runs effects twice, so only this catches a
 * component whose effect cleanup undoes what its render or memo did.
 */
import { expect, test, type Page } from '@playwright/test';
import { dropFile } from './drop-file';
import { openLab, SHAPE_PROMPTS, startCollect, trainSmallSae } from './lab-page';

/** Every uncaught exception and console error the page reports, as text. */
function pageErrors(page: Page): string[] {
  const errors: string[] = [];
  page.on('pageerror', (error) => errors.push(`page error: ${error.message}`));
  page.on('console', (message) => {
    if (message.type() === 'error') errors.push(`console error: ${message.text()}`);
  });
  return errors;
}

/** Nothing went wrong so far: no page or console error, no error boundary shown. */
async function expectNoErrors(page: Page, errors: string[], where: string): Promise<void> {
  expect(errors, `errors by the end of ${where}`).toEqual([]);
  await expect(page.getByTestId('error-boundary'), `an error boundary on ${where}`).toHaveCount(0);
}

test('the dev server runs the whole flow to a steered image with no page error', async ({ page }) => {
  test.setTimeout(600_000);
  const errors = pageErrors(page);
  await openLab(page, 'prompts');
  // StrictMode loads the projects twice on the first start: one first project is made and saved, not two.
  await expect(page.getByTestId('project-choice').locator('option')).toHaveCount(1);
  await page.reload();
  await expect(page.getByTestId('project-choice').locator('option')).toHaveCount(1);

  await dropFile(page, 'shapes.txt', SHAPE_PROMPTS.join('\n'));
  await expect(page.getByTestId('prompts-count')).toHaveText(`${SHAPE_PROMPTS.length} prompts`);
  await startCollect(page);
  await expect(page.getByTestId('stage-collect')).toHaveAttribute('data-state', 'done', { timeout: 300_000 });
  await expect(page.getByTestId('thumbnails').locator('canvas')).toHaveCount(SHAPE_PROMPTS.length);
  await expectNoErrors(page, errors, 'collect');

  await page.getByTestId('stage-dynamics').click();
  await page.getByTestId('fit').click();
  await expect(page.getByTestId('stage-dynamics')).toHaveAttribute('data-state', 'done', { timeout: 180_000 });
  await expectNoErrors(page, errors, 'fit');

  await page.getByTestId('stage-sae').click();
  await trainSmallSae(page);
  await expect(page.getByTestId('training-state')).toHaveText('done', { timeout: 300_000 });
  await expect(page.getByTestId('evaluation-panel')).toBeVisible();
  await expectNoErrors(page, errors, 'train');

  // The most frequent latent: its heatmaps, then "Steer with it".
  await page.getByTestId('stage-latents').click();
  await page.getByTestId('latent-row').first().click();
  await expect(page.getByTestId('heatmaps').locator('canvas').first()).toHaveAttribute('data-values', /,/, { timeout: 120_000 });
  await expectNoErrors(page, errors, 'the latent page');
  await page.getByTestId('steer-with-latent').click();

  // The steered image, the difference and the pixel change; then a slider move draws them again.
  // Whichever comes first: the image, or a boundary with the error (then the check below names it).
  await expect(page.getByTestId('steered-image').or(page.getByTestId('error-boundary')).first()).toBeVisible({ timeout: 180_000 });
  await expectNoErrors(page, errors, 'the first steered image');
  await expect(page.getByTestId('difference-image')).toBeVisible();
  const change = page.getByTestId('pixel-change');
  await expect(change).toContainText('mean change');
  const before = await change.getAttribute('data-inside');
  // α in multiples of the hook's mean activation norm: 12, the slider's end, changes the image visibly (≥ 5 of 255).
  await page.getByTestId('steer-alpha').fill('12');
  await expect(page.getByTestId('steer-alpha-label')).toContainText('α = 12.00 × mean ‖x‖');
  await expect(change).not.toHaveAttribute('data-inside', before ?? '', { timeout: 180_000 });
  await expect(page.getByTestId('steer-panel')).toHaveAttribute('data-running', 'false', { timeout: 180_000 });
  console.log(`dev server, most frequent latent: mean change ${before} of 255 at the default α, ${await change.getAttribute('data-inside')} at α = 12 × mean ‖x‖`);
  expect(Number(await change.getAttribute('data-inside'))).toBeGreaterThanOrEqual(5);
  await page.screenshot({ path: test.info().outputPath('dev-steer.png'), fullPage: true });
  await expectNoErrors(page, errors, 'steer');
});
