/**
 * The first screen starts the work, on a fresh profile: it says in two
 * sentences what the lab does, and "Run the example" takes the toy model's
 * attribute grid through collect → fit → train in one progress view, landing
 * on the Latents page with the latents that best pick out an attribute value
 * first and the best one's spatiotemporal map open. The time from opening
 * the page to that map is printed. The kernels compile once, after the model
 * loads: the header says they are ready, and the SAE page then has nothing
 * left to compile. While the model loads (its files slowed down here), the
 * Collect page says so with the load's progress instead of "Load a model".
 */
import { expect, test } from '@playwright/test';

const OUT = process.env.E2E_OUT ?? 'test-results';

test('while the model loads, the Collect page says it is loading, with progress', async ({ page }) => {
  test.setTimeout(400_000);
  // The model's files arrive slowly, so the load is still running when the page is read.
  let slow = true;
  await page.route('**/models/toy/**', async (route) => {
    if (slow) await new Promise((resolve) => setTimeout(resolve, 1500));
    await route.continue();
  });
  await page.goto('/#collect');
  await expect(page.getByTestId('model-loading')).toBeVisible({ timeout: 60_000 });
  await expect(page.getByTestId('model-loading')).toContainText('Loading the model');
  await expect(page.getByTestId('model-loading').getByTestId('model-progress')).toBeVisible({ timeout: 60_000 });
  await expect(page.getByText('Load a model on the Model page first.')).toHaveCount(0);
  await page.screenshot({ path: `${OUT}/first-screen-collect-loading.png`, fullPage: true });
  slow = false;
  await expect(page.getByTestId('collect-panel').getByText('Choose a prompt set on the Prompts page first.')).toBeVisible({ timeout: 180_000 });
});

test('the first screen runs the example and lands on its best latent’s map', async ({ page }) => {
  test.setTimeout(1_200_000);
  const opened = Date.now();
  await page.goto('/');
  const summary = page.getByTestId('welcome-summary');
  await expect(summary).toBeVisible({ timeout: 60_000 });
  const sentences = (await summary.textContent())!.trim().split(/(?<=\.)\s+/);
  expect(sentences).toHaveLength(2);
  await expect(page.getByTestId('run-example')).toBeVisible();
  await expect(page.getByTestId('stage-model')).toHaveAttribute('data-state', 'done', { timeout: 120_000 });
  await page.screenshot({ path: `${OUT}/first-screen.png`, fullPage: true });

  await page.getByTestId('run-example').click();
  // One view over the stages: which one runs, its own progress, the whole run's time left.
  await expect(page.getByTestId('example-stage-collect')).toHaveAttribute('data-state', 'running', { timeout: 60_000 });
  await expect(page.getByTestId('example-detail')).toContainText(/image \d+ of 24, UNet call/, { timeout: 120_000 });
  await expect(page.getByTestId('example-eta')).toContainText(/about .* left/, { timeout: 120_000 });
  await page.screenshot({ path: `${OUT}/first-screen-example-running.png`, fullPage: true });
  // The fit can pass from waiting to done between two polls on a busy machine: either says collection ended.
  await expect(page.getByTestId('example-stage-fit')).toHaveAttribute('data-state', /^(running|done)$/, { timeout: 600_000 });
  await expect(page.getByTestId('example-stage-collect')).toHaveAttribute('data-state', 'done');
  await expect(page.getByTestId('example-stage-train')).toHaveAttribute('data-state', /^(running|done)$/, { timeout: 300_000 });
  await page.screenshot({ path: `${OUT}/first-screen-example-training.png`, fullPage: true });
  // The kernels compiled after the model loaded, once: ready before training needs them.
  await expect(page.getByTestId('kernel-status')).toHaveAttribute('data-state', 'ready');
  expect(Number(await page.getByTestId('kernel-status').getAttribute('data-compiled'))).toBeGreaterThan(0);

  // Lands on the Latents page: the list by best attribute AUROC, the best latent's maps drawn.
  await expect(page.getByTestId('latents-panel')).toBeVisible({ timeout: 600_000 });
  const firstMap = page.getByTestId('heatmaps').locator('canvas').first();
  await expect(firstMap).toHaveAttribute('data-values', /,/, { timeout: 300_000 });
  const seconds = (Date.now() - opened) / 1000;
  console.log(`first screen: open → first latent map ${seconds.toFixed(0)} s (SwiftShader, shared CPU)`);
  await expect(page.getByTestId('latent-sort')).toHaveValue('attribute');
  const firstRow = page.getByTestId('latent-row').first();
  const label = firstRow.getByTestId('latent-row-label');
  await expect(label).toHaveAttribute('data-auroc', /\d/, { timeout: 120_000 });
  const auroc = Number(await label.getAttribute('data-auroc'));
  console.log(`first screen: best latent #${await firstRow.getAttribute('data-latent')} ${await label.getAttribute('data-attribute')} AUROC ${auroc}`);
  expect(auroc).toBeGreaterThan(0.9);
  await expect(page.getByTestId('latent-detail')).toHaveAttribute('data-latent', (await firstRow.getAttribute('data-latent'))!);
  await page.screenshot({ path: `${OUT}/first-screen-landed.png`, fullPage: true });

  // The SAE page finds every kernel compiled: no compile line.
  await page.getByTestId('stage-sae').click();
  await expect(page.getByTestId('prewarm-train')).toHaveAttribute('data-state', 'ready', { timeout: 60_000 });
  await expect(page.getByTestId('prewarm-train')).toBeHidden();
});
