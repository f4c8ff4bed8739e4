/**
 * Keyboard shortcuts on the toy model with a trained SAE: ? opens the list
 * (a modal dialog, focus on Close, Esc closes it and gives focus back) and
 * says which shortcuts the open page offers; j/→ and k/← step through the
 * latents in the list's order, Space and p play and pause the scrubber, s on
 * the Steer page swaps the steered image for the unsteered one and back;
 * none of them fires while typing in a field.
 */
import { expect, test, type Page } from '@playwright/test';
import { openLab } from './lab-page';
import { pageErrors, trainShapesProject } from './trained-lab';

const list = (page: Page) => page.getByRole('dialog', { name: 'Keyboard shortcuts' });
const openLatent = (page: Page) => page.getByTestId('latent-detail');

test('shortcuts: the ? list, next and previous latent, the scrubber, steering on and off', async ({ page }) => {
  test.setTimeout(1_000_000);
  const errors = pageErrors(page);
  await openLab(page, 'model');

  // The list: from the table, with what this page offers.
  await page.keyboard.press('?');
  await expect(list(page)).toBeVisible();
  await expect(page.getByTestId('shortcut-list-close')).toBeFocused();
  const rows = page.getByTestId('shortcut-row');
  await expect(rows).toHaveCount(5);
  await expect(rows.filter({ has: page.locator('kbd', { hasText: 'Space' }) })).toHaveAttribute('data-available', 'false');
  await expect(page.locator('[data-shortcut="shortcut-help"]')).toHaveAttribute('data-available', 'true');
  await page.screenshot({ path: test.info().outputPath('shortcut-list.png') });
  await page.keyboard.press('Escape');
  await expect(list(page)).toHaveCount(0);
  await page.getByTestId('shortcut-help-button').click();
  await expect(list(page)).toBeVisible();
  await page.getByTestId('shortcut-list-close').click();
  await expect(list(page)).toHaveCount(0);
  await expect(page.getByTestId('shortcut-help-button')).toBeFocused();

  await trainShapesProject(page);
  await page.getByTestId('stage-latents').click();
  // The list fills once the worker has read the latent table: wait for it before reading its order.
  await expect(page.getByTestId('latent-row').nth(2)).toBeVisible({ timeout: 120_000 });
  const order = (await page.getByTestId('latent-row').evaluateAll((r) => r.map((e) => Number(e.getAttribute('data-latent'))))).slice(0, 3);
  expect(order.length).toBe(3);
  // Typed into the search field, j is a letter, not a step.
  await page.getByTestId('latent-search').press('j');
  await expect(page.getByTestId('latent-search')).toHaveValue('j');
  await expect(openLatent(page)).toHaveCount(0);
  await page.getByTestId('latent-search').fill('');
  await page.locator('body').click({ position: { x: 5, y: 5 } });
  await page.keyboard.press('j');
  await expect(openLatent(page)).toHaveAttribute('data-latent', String(order[0]));
  await page.keyboard.press('j');
  await expect(openLatent(page)).toHaveAttribute('data-latent', String(order[1]));
  await page.keyboard.press('ArrowRight');
  await expect(openLatent(page)).toHaveAttribute('data-latent', String(order[2]));
  await page.keyboard.press('k');
  await page.keyboard.press('ArrowLeft');
  await expect(openLatent(page)).toHaveAttribute('data-latent', String(order[0]));
  await expect(page.locator(`[data-testid="latent-row"][data-latent="${order[0]}"]`)).toHaveClass(/selected/);

  // The scrubber: Space on a clicked row plays, p pauses.
  await page.locator(`[data-testid="latent-row"][data-latent="${order[0]}"]`).click();
  await expect(page.getByTestId('scrubber-play')).toHaveText('Play');
  await page.keyboard.press(' ');
  await expect(page.getByTestId('scrubber-play')).toHaveText('Pause');
  const step = page.getByTestId('scrubber-step');
  const first = await step.textContent();
  await expect(step).not.toHaveText(first ?? '', { timeout: 5_000 });
  await page.keyboard.press('p');
  await expect(page.getByTestId('scrubber-play')).toHaveText('Play');

  // Steering on and off: the Steered frame shows the unsteered image, then the steered again.
  await page.getByTestId('steer-with-latent').click();
  await expect(page.getByTestId('steered-image')).toBeVisible({ timeout: 180_000 });
  await expect(page.getByTestId('steer-panel')).toHaveAttribute('data-running', 'false', { timeout: 180_000 });
  const frame = page.locator('figure', { has: page.getByTestId('steered-image') });
  await expect(frame).toHaveAttribute('data-showing', 'steered');
  await page.locator('body').click({ position: { x: 5, y: 5 } });
  await page.keyboard.press('s');
  await expect(frame).toHaveAttribute('data-showing', 'unsteered');
  await page.screenshot({ path: test.info().outputPath('steer-toggled.png'), fullPage: true });
  await page.keyboard.press('s');
  await expect(frame).toHaveAttribute('data-showing', 'steered');
  await page.keyboard.press('?');
  await expect(page.locator('[data-shortcut="toggle-steering"]')).toHaveAttribute('data-available', 'true');
  await expect(page.locator('[data-shortcut="next-latent"]')).toHaveAttribute('data-available', 'false');
  expect(errors).toEqual([]);
});
