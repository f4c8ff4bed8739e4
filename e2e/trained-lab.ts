import { expect, type Page } from '@playwright/test';
import { dropFile } from './drop-file';
import { openLab, SHAPE_PROMPTS, startCollect, trainSmallSae } from './lab-page';

/** Every uncaught exception the page throws, as text (collected from now on). */
export function pageErrors(page: Page): string[] {
  const errors: string[] = [];
  page.on('pageerror', (error) => errors.push(error.message));
  return errors;
}

/**
 * A project with every stage done on the toy model: the eight shape prompts
 * collected (short), the dynamics fitted and a small SAE trained; ends on
 * the SAE page.
 */
export async function trainShapesProject(page: Page): Promise<void> {
  await openLab(page, 'prompts');
  await dropFile(page, 'shapes.txt', SHAPE_PROMPTS.join('\n'));
  await expect(page.getByTestId('prompts-count')).toHaveText(`${SHAPE_PROMPTS.length} prompts`);
  await startCollect(page);
  await expect(page.getByTestId('stage-collect')).toHaveAttribute('data-state', 'done', { timeout: 400_000 });
  await page.getByTestId('stage-dynamics').click();
  await page.getByTestId('fit').click();
  await expect(page.getByTestId('stage-dynamics')).toHaveAttribute('data-state', 'done', { timeout: 180_000 });
  await page.getByTestId('stage-sae').click();
  await trainSmallSae(page);
  await expect(page.getByTestId('training-state')).toHaveText('done', { timeout: 300_000 });
}
