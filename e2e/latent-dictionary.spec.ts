/**
 * The Latents list reads like a dictionary, on the toy model's attribute grid:
 * after the flow trains a small SAE, every row in view shows its label (the
 * prompt words enriched in its top images and the attribute value its
 * per-image maximum best separates, with that AUROC) and its top image with
 * the heatmap over it. The labels' AUROCs equal Node's, counted pair by pair
 * from the files the page exported; a row's words, AUROC and thumbnail equal
 * what the latent's own page shows; the labels are made once and read back
 * after a reload.
 */
import { execFileSync } from 'node:child_process';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { expect, test, type Locator, type Page } from '@playwright/test';
import { exported, openLab, startCollect, trainSmallSae } from './lab-page';

/** Grid prompts collected: enough for every colour and shape, few enough for an emulated GPU. */
const GRID = 12;

interface RowLabel {
  latent: number;
  words: string[];
  attribute: string | null;
  auroc: number | null;
  thumbnail: { image: number; values: number[]; max: number } | null;
}

/** Every row in view: its latent, label and thumbnail as drawn. */
async function rowLabels(page: Page): Promise<RowLabel[]> {
  return page.getByTestId('latent-row').evaluateAll((rows) =>
    rows.map((r) => {
      const label = r.querySelector('[data-testid="latent-row-label"]');
      const thumb = r.querySelector('canvas[data-testid="latent-thumb"]') as HTMLCanvasElement | null;
      return {
        latent: Number(r.getAttribute('data-latent')),
        words: (label?.getAttribute('data-words') ?? '').split(',').filter(Boolean),
        attribute: label?.getAttribute('data-attribute') ?? null,
        auroc: label?.hasAttribute('data-auroc') ? Number(label.getAttribute('data-auroc')) : null,
        thumbnail: thumb ? { image: Number(thumb.dataset.image), values: (thumb.dataset.values ?? '').split(',').map(Number), max: Number(thumb.dataset.max) } : null,
      };
    }),
  );
}

/** The values a heatmap canvas drew. */
async function drawn(canvas: Locator): Promise<number[]> {
  return ((await canvas.getAttribute('data-values')) ?? '').split(',').map(Number);
}

test('every latent row shows its label, with Node’s AUROC, and its top image with the heatmap', async ({ page }) => {
  test.setTimeout(900_000);
  const dir = mkdtempSync(join(tmpdir(), 'dictionary-e2e-'));
  await openLab(page, 'prompts');
  await page.getByLabel('Prompts in the grid').fill(String(GRID));
  await page.getByTestId('example-toy').click();
  await expect(page.getByTestId('prompts-count')).toHaveText(`${GRID} prompts`);

  await startCollect(page);
  await expect(page.getByTestId('stage-collect')).toHaveAttribute('data-state', 'done', { timeout: 400_000 });
  const [trajectories] = await exported(page, 'export-trajectories', dir);
  await page.getByTestId('stage-dynamics').click();
  await page.getByTestId('fit').click();
  await expect(page.getByTestId('stage-dynamics')).toHaveAttribute('data-state', 'done', { timeout: 180_000 });
  const [dynamics] = await exported(page, 'export-dynamics', dir);
  await page.getByTestId('stage-sae').click();
  await trainSmallSae(page);
  await expect(page.getByTestId('training-state')).toHaveText('done', { timeout: 300_000 });
  const [sae] = await exported(page, 'export-sae', dir, 2);

  // The list: every row in view labelled, with a thumbnail where the latent fires.
  await page.getByTestId('stage-latents').click();
  await expect(page.getByTestId('latent-row-label').first()).toBeVisible({ timeout: 180_000 });
  await expect(page.getByTestId('latent-thumb').first()).toHaveAttribute('data-values', /,/, { timeout: 60_000 });
  const rows = await rowLabels(page);
  expect(rows.length).toBeGreaterThan(5);
  const firing = rows.filter((r) => r.thumbnail);
  expect(firing.length).toBeGreaterThan(5);
  for (const r of firing) {
    expect(r.thumbnail!.values.length).toBeGreaterThan(1);
    expect(Math.max(...r.thumbnail!.values)).toBeCloseTo(r.thumbnail!.max, 4);
    expect(r.thumbnail!.max).toBeGreaterThan(0);
  }
  expect(rows.filter((r) => r.words.length > 0).length).toBeGreaterThan(3);
  await page.getByTestId('latents-panel').screenshot({ path: test.info().outputPath('latent-dictionary.png') });

  // Each row's best attribute value and AUROC: Node's, from the exported files.
  const reference = JSON.parse(execFileSync('npx', ['vite-node', 'e2e/latent-labels-reference.ts', trajectories, dynamics, sae, String(GRID)], { encoding: 'utf8' }).trim().split('\n').pop()!) as ({ value: string; auroc: number } | null)[];
  for (const r of rows) {
    const want = reference[r.latent];
    expect(r.attribute, `latent ${r.latent}`).toBe(want?.value ?? null);
    if (want) expect(r.auroc!).toBeCloseTo(want.auroc, 9);
  }
  expect(rows.filter((r) => r.auroc !== null).length).toBeGreaterThan(5);

  // The first row's latent page: the same words, the same best AUROC and the thumbnail its top heatmap at its strongest step.
  const row = firing[0];
  await page.locator(`[data-testid="latent-row"][data-latent="${row.latent}"]`).click();
  await expect(page.getByTestId('latent-detail')).toHaveAttribute('data-latent', String(row.latent));
  const header = (await page.getByTestId('latent-label').textContent()) ?? '';
  expect([...header.matchAll(/(\w+) \(\d+% vs/g)].map((m) => m[1]).slice(0, row.words.length)).toEqual(row.words);
  const topHeatmaps = page.getByTestId('heatmaps').locator(`canvas[data-testid^="heatmap-${row.thumbnail!.image}-"]`);
  await expect(topHeatmaps.first()).toHaveAttribute('data-values', /,/, { timeout: 60_000 });
  const steps = await topHeatmaps.all();
  expect(steps.length).toBeGreaterThan(1);
  const perStep = await Promise.all(steps.map(drawn));
  const strongest = perStep.reduce((best, values) => (Math.max(...values) > Math.max(...best) ? values : best));
  row.thumbnail!.values.forEach((v, p) => expect(v).toBeCloseTo(strongest[p], 4));
  await page.getByTestId('load-image-activations').click();
  const tag = page.getByTestId('latent-auroc').locator('.tag').first();
  await expect(tag).toBeVisible({ timeout: 180_000 });
  expect(await tag.getAttribute('data-value')).toBe(row.attribute);
  expect(Number(await tag.getAttribute('data-auroc'))).toBe(row.auroc);

  // Made once: after a reload the labels are read back from the project, the same.
  await page.reload();
  await page.getByTestId('stage-latents').click();
  await expect(page.getByTestId('latent-thumb').first()).toHaveAttribute('data-values', /,/, { timeout: 120_000 });
  const again = await rowLabels(page);
  expect(again.map(({ latent, words, attribute, auroc }) => ({ latent, words, attribute, auroc }))).toEqual(rows.map(({ latent, words, attribute, auroc }) => ({ latent, words, attribute, auroc })));
});
