/**
 * Steering you can watch, scored by the toy's attribute probe: a project
 * imported from files the CLI made on the attribute grid, recorded at
 * up_blocks.2.attentions.1 (8 × 8, where the study found colour steerable).
 * In units of m_k: the latents that track "red", picked on the Concept panel
 * by AUROC, painted onto a blue circle turn it red; steered with a negative
 * strength a red circle moves away from red; an ablation changes the image
 * and its probe reading is shown. The page's probe readings equal the
 * probe's reading in Node of the images the page exports. In units of the
 * mean activation norm: a concept's latents arrive with their signs, two of
 * them steer at once, and a sweep renders 21 images with their readings.
 */
import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { expect, test, type Page } from '@playwright/test';
import { attributeGridPrompts } from '../src/data/attribute-grid';
import { cli as cliOnce } from './cli';
import { exported, openLab } from './lab-page';

const HOOK = 'up_blocks.2.attentions.1';
const BLUE_CIRCLE = 'a large blue circle in the centre on a black background';
const RED_CIRCLE = 'a large red circle in the centre on a white background';

type Probabilities = Record<string, number>;

/**
 * The CLI's project: 96 grid prompts, 10 DDIM steps with 5 recorded, the full dynamics, a 128-latent BatchTopK SAE (k 10).
 * A file already in `dir` is kept (E2E_STEER_PROJECT names a folder to build the project in once and reuse).
 */
function cliProject(dir: string): string[] {
  const cli = (...args: string[]) => existsSync(args[args.length - 1]) || cliOnce(...args);
  const prompts = join(dir, 'grid.jsonl');
  writeFileSync(prompts, attributeGridPrompts({ count: 96, seed: 0 }).map((p) => JSON.stringify({ prompt: p.prompt, seed: p.seed })).join('\n'));
  const traj = join(dir, 'trajectories.safetensors');
  const dynamics = join(dir, 'dynamics.safetensors');
  const sae = join(dir, 'sae.safetensors');
  cli('collect', '--model', 'public/models/toy', '--prompts', prompts, '--hook', HOOK, '--steps', '10', '--record', '5', '--out', traj);
  cli('fit', '--traj', traj, '--out', dynamics);
  cli('train', '--traj', traj, '--dynamics', dynamics, '--latents', '128', '--k', '10', '--steps', '1200', '--batch', '256', '--lr', '0.002', '--out', sae);
  return [traj, dynamics, sae, join(dir, 'cfg.json')];
}

/** On the Latents page's Concept panel: the top `percent` % of latents for "red" by `rankBy`, `count` of them, as the table shows them. */
async function redLatents(page: Page, rankBy: string, percent: number, count: number): Promise<{ latent: number; sign: number; auroc: number }[]> {
  await page.getByTestId('stage-latents').click();
  await page.getByTestId('load-image-activations').click();
  await page.getByTestId('concept-input').fill('red');
  await page.getByTestId('concept-rank-by').selectOption(rankBy);
  await page.getByTestId('concept-percent').fill(String(percent));
  const rows = page.getByTestId('concept-table').locator('tr[data-latent]');
  await expect(rows).toHaveCount(count, { timeout: 120_000 });
  return rows.evaluateAll((trs) => trs.map((tr) => ({ latent: Number(tr.getAttribute('data-latent')), sign: Number(tr.getAttribute('data-sign')), auroc: Number(tr.querySelectorAll('td')[3].textContent) })));
}

/** Steers with the page's current controls and returns the probe's colour reading of both images once the result is for this request. */
async function steered(page: Page, prompt: string, ablate: boolean, masked: boolean): Promise<{ before: Probabilities; after: Probabilities; row: ReturnType<Page['locator']> }> {
  const table = page.getByTestId('probe-table');
  await expect
    .poll(async () => {
      const request = JSON.parse((await table.getAttribute('data-request').catch(() => null)) ?? '{}');
      const running = await page.getByTestId('steer-panel').getAttribute('data-running');
      return running === 'false' && request.prompt === prompt && request.ablate === ablate && request.masked === masked;
    }, { timeout: 180_000 })
    .toBe(true);
  const row = table.locator('tr[data-attribute="color"]');
  return { before: JSON.parse((await row.getAttribute('data-probabilities-before'))!), after: JSON.parse((await row.getAttribute('data-probabilities-after'))!), row };
}

/** The CLI project, made once for both tests. */
let dir = '';
let files: string[] = [];
test.describe.configure({ mode: 'serial', timeout: 900_000 });
test.beforeAll(async () => {
  dir = process.env.E2E_STEER_PROJECT ?? mkdtempSync(join(tmpdir(), 'steer-e2e-'));
  mkdirSync(dir, { recursive: true });
  files = cliProject(dir);
});

/** A new project in the page with the CLI's files imported, its SAE ready. */
async function importProject(page: Page): Promise<void> {
  await openLab(page, 'collect');
  await page.getByTestId('new-project').click();
  await page.getByTestId('import-input').setInputFiles(files);
  await expect(page.getByTestId('stage-sae')).toHaveAttribute('data-state', 'done', { timeout: 120_000 });
}

test('the latents that track "red" turn a blue circle red where the mask is painted, and push a red circle away from red', async ({ page }) => {
  await importProject(page);

  // Concept → latents: images whose prompt says "red" against the rest, ranked by AUROC; the top 2 % (3 of 128).
  const aurocs = (await redLatents(page, 'auroc', 2, 3)).map((c) => c.auroc);
  expect(aurocs[0]).toBeGreaterThan(0.8);
  expect([...aurocs].sort((a, b) => b - a)).toEqual(aurocs);
  await page.getByTestId('concept-panel').screenshot({ path: 'test-results/steer-red-concept.png' });
  await page.getByTestId('steer-with-concept').click();

  // Paint them onto a blue circle: a 5 × 5 brush at the centre of the 8 × 8 hook grid, α in units of m_k.
  await page.getByTestId('steer-unit').selectOption('mk');
  await expect(page.getByTestId('steer-alpha-label')).toContainText('× m_k');
  await page.getByTestId('steer-prompt').fill(BLUE_CIRCLE);
  await page.getByTestId('steer-seed').fill('0');
  await page.getByTestId('steer-alpha').fill('12');
  await page.getByTestId('mask-brush').selectOption('3');
  const mask = page.getByTestId('mask-canvas');
  await mask.scrollIntoViewIfNeeded();
  const box = (await mask.boundingBox())!;
  await page.mouse.click(box.x + box.width / 2, box.y + box.height / 2);
  await expect(page.getByTestId('mask-count')).toContainText('25 of 64 positions');
  const red = await steered(page, BLUE_CIRCLE, false, true);
  expect(red.before.blue).toBeGreaterThan(0.99);
  expect(red.after.red - red.before.red).toBeGreaterThan(0.5);
  await expect(red.row).toHaveAttribute('data-after', 'red');
  const change = page.getByTestId('pixel-change');
  expect(Number(await change.getAttribute('data-inside'))).toBeGreaterThan(Number(await change.getAttribute('data-outside')));
  await page.screenshot({ path: 'test-results/steer-red.png', fullPage: true });

  // The page's reading is the probe's: the exported steered image read in Node gives the same probabilities.
  const [, steeredPng] = await exported(page, 'export-steer-pair', dir, 2);
  const node = JSON.parse(execFileSync('npx', ['vite-node', 'e2e/probe-reading.ts', '--', 'public/models/toy', steeredPng], { encoding: 'utf8' }).trim().split('\n').pop()!);
  for (const [value, p] of Object.entries(red.after)) expect(node.color.probabilities[value]).toBeCloseTo(p, 5);

  // Away from red: the same latents at α = −8 everywhere on a red circle.
  await page.getByTestId('mask-clear').click();
  await page.getByTestId('steer-prompt').fill(RED_CIRCLE);
  await page.getByTestId('steer-alpha').fill('-8');
  const away = await steered(page, RED_CIRCLE, false, false);
  expect(away.before.red).toBeGreaterThan(0.99);
  expect(away.before.red - away.after.red).toBeGreaterThan(0.5);
  // What a slider move costs here (the unsteered run is cached): reported, never asserted on.
  console.log(`slider move → image: ${await page.getByTestId('steer-latency').textContent()}`);

  // Ablation removes what the SAE says the latents wrote: the image changes; the probe's reading is shown beside it.
  await page.getByTestId('steer-ablate').check();
  const ablated = await steered(page, RED_CIRCLE, true, false);
  expect(Number(await change.getAttribute('data-inside'))).toBeGreaterThan(0);
  console.log(`ablation of the red latents on "${RED_CIRCLE}": P(red) ${ablated.before.red.toFixed(6)} → ${ablated.after.red.toFixed(6)}`);
  await page.screenshot({ path: 'test-results/steer-red-ablation.png', fullPage: true });
});

test('a concept’s latents arrive with their signs, two steer at once in units of the mean activation norm, and a sweep shows 21 images with their readings', async ({ page }) => {
  await importProject(page);
  // Ranked either way, a latent that fires on the images without "red" arrives with a negative sign.
  const concept = await redLatents(page, 'auroc-either', 5, 7);
  for (const c of concept) expect(c.sign, `latent ${c.latent}, AUROC ${c.auroc}`).toBe(c.auroc < 0.5 ? -1 : 1);
  expect(concept.some((c) => c.sign < 0)).toBe(true);
  console.log(`"red", either way: ${concept.map((c) => `#${c.latent} ${c.sign > 0 ? '+' : '−'} (AUROC ${c.auroc})`).join(', ')}`);
  await page.getByTestId('steer-with-concept').click();

  // On the Steer page: every latent at the shared strength with its sign, α shown with its unit.
  const table = page.getByTestId('steer-latent-table').locator('tr[data-latent]');
  await expect(table).toHaveCount(7);
  await expect(page.getByTestId('steer-alpha-label')).toContainText('× mean ‖x‖');
  const strength = Number(await page.getByTestId('steer-alpha').inputValue());
  const arrived = await table.evaluateAll((trs) => trs.map((tr) => ({ latent: Number(tr.getAttribute('data-latent')), alpha: Number(tr.getAttribute('data-alpha')) })));
  expect(arrived).toEqual(concept.map((c) => ({ latent: c.latent, alpha: c.sign * strength })));
  await expect(page.getByTestId('steer-guide')).toContainText('typical activation');

  // Two latents at once, each with its own α: the two that mark red most, the second at half strength.
  const red = concept.filter((c) => c.sign > 0).slice(0, 2);
  for (const c of concept.filter((x) => !red.includes(x))) await table.filter({ has: page.locator(`td:text-is("#${c.latent}")`) }).getByTestId('steer-latent-remove').click();
  await expect(table).toHaveCount(2);
  await page.getByTestId('steer-alpha').fill('8');
  await expect(page.getByTestId('steer-alpha-label')).toContainText('α = 8.00 × mean ‖x‖');
  await table.nth(1).getByTestId('steer-latent-alpha').fill('4');
  await page.getByTestId('steer-prompt').fill(BLUE_CIRCLE);
  const want = [{ latent: red[0].latent, alpha: 8 }, { latent: red[1].latent, alpha: 4 }];
  await expect.poll(async () => JSON.parse((await page.getByTestId('probe-table').getAttribute('data-request').catch(() => null)) ?? '{}'), { timeout: 180_000 }).toMatchObject({ prompt: BLUE_CIRCLE, latents: want, unit: 'norm' });
  const change = Number(await page.getByTestId('pixel-change').getAttribute('data-inside'));
  console.log(`two red latents at α 8 and 4 × mean ‖x‖ on "${BLUE_CIRCLE}": mean change ${change.toFixed(1)} of 255`);
  expect(change).toBeGreaterThan(0);

  // The sweep: it says what it is doing before its first image, then fills a strip of 7 strengths × 3 windows.
  await page.getByTestId('sweep-run').click();
  await expect(page.getByTestId('sweep-progress')).toBeVisible();
  await expect(page.getByTestId('sweep-progress')).toContainText(/unsteered|preparing|measuring|image \d+ of 21/);
  const strip = page.getByTestId('sweep-strip');
  await expect(page.getByTestId('sweep-panel')).toHaveAttribute('data-state', 'done', { timeout: 600_000 });
  await expect(strip).toHaveAttribute('data-images', '21');
  const cells = await strip.getByTestId('sweep-cell').evaluateAll((figs) => figs.map((f) => ({ window: f.getAttribute('data-window'), strength: Number(f.getAttribute('data-strength')), change: Number(f.getAttribute('data-pixel-change')), reading: f.getAttribute('data-reading') })));
  expect(cells).toHaveLength(21);
  expect(new Set(cells.map((c) => c.window))).toEqual(new Set(['early', 'middle', 'late']));
  expect([...new Set(cells.map((c) => c.strength))].sort((a, b) => a - b)).toEqual([-12, -8, -4, 0, 4, 8, 12]);
  for (const c of cells) expect(c.reading, `${c.window} ${c.strength}`).toBeTruthy();
  for (const c of cells.filter((x) => x.strength === 0)) expect(c.change).toBe(0);
  await expect(page.getByTestId('sweep-unsteered-reading').locator('tr[data-attribute="color"]')).toHaveAttribute('data-value', 'blue');
  const cost = page.getByTestId('sweep-cost');
  console.log(`sweep: ${await cost.textContent()}`);
  console.log(`sweep cells: ${cells.map((c) => `${c.window} ${c.strength}: Δ ${c.change.toFixed(1)} ${c.reading}`).join('; ')}`);
  expect(Number(await cost.getAttribute('data-calls-run'))).toBeLessThan(Number(await cost.getAttribute('data-calls-full')));
  await expect(page.getByTestId('steer-guide')).toContainText(/visible change|changed no image visibly/);
  await page.screenshot({ path: test.info().outputPath('steer-sweep.png'), fullPage: true });
  await page.getByTestId('sweep-panel').screenshot({ path: test.info().outputPath('steer-sweep-panel.png') });

  // A sweep can be cancelled; it says so and keeps the images it made.
  await page.getByTestId('sweep-count').fill('3');
  await page.getByTestId('sweep-run').click();
  await page.getByTestId('sweep-cancel').click();
  await expect(page.getByTestId('sweep-error')).toContainText('cancelled');
});
