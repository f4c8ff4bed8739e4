/**
 * Steering you can watch, scored by the toy's attribute probe: a project imported from files the CLI made on the attribute
 * grid, recorded at up_blocks.2.attentions.1 (8 × 8, where the study found
 * colour steerable); the latents that track "red", picked on the Concept
 * panel by AUROC, painted onto a blue circle turn it red; steered with a
 * negative strength a red circle moves away from red; an ablation changes
 * the image and its probe reading is shown. The page's probe readings equal
 * the probe's reading in Node of the images the page exports.
 */
import { execFileSync } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { expect, test, type Page } from '@playwright/test';
import { attributeGridPrompts } from '../src/data/attribute-grid';
import { cli } from './cli';
import { exported, openLab } from './lab-page';

const HOOK = 'up_blocks.2.attentions.1';
const BLUE_CIRCLE = 'a large blue circle in the centre on a black background';
const RED_CIRCLE = 'a large red circle in the centre on a white background';

type Probabilities = Record<string, number>;

/** The CLI's project: 96 grid prompts, 10 DDIM steps with 5 recorded, the full dynamics, a 128-latent BatchTopK SAE (k 10). */
function cliProject(dir: string): string[] {
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

test('the latents that track "red" turn a blue circle red where the mask is painted, and push a red circle away from red', async ({ page }) => {
  test.setTimeout(900_000);
  const dir = mkdtempSync(join(tmpdir(), 'steer-e2e-'));
  const files = cliProject(dir);

  await openLab(page, 'collect');
  await page.getByTestId('new-project').click();
  await page.getByTestId('import-input').setInputFiles(files);
  await expect(page.getByTestId('stage-sae')).toHaveAttribute('data-state', 'done', { timeout: 120_000 });

  // Concept → latents: images whose prompt says "red" against the rest, ranked by AUROC; the top 2 % (3 of 128).
  await page.getByTestId('stage-latents').click();
  await page.getByTestId('load-image-activations').click();
  await page.getByTestId('concept-input').fill('red');
  await page.getByTestId('concept-percent').fill('2');
  const rows = page.getByTestId('concept-table').locator('tr[data-latent]');
  await expect(rows).toHaveCount(3, { timeout: 120_000 });
  const aurocs = await rows.evaluateAll((trs) => trs.map((tr) => Number(tr.querySelectorAll('td')[3].textContent)));
  expect(aurocs[0]).toBeGreaterThan(0.8);
  expect([...aurocs].sort((a, b) => b - a)).toEqual(aurocs);
  await page.getByTestId('concept-panel').screenshot({ path: 'test-results/steer-red-concept.png' });
  await page.getByTestId('steer-with-concept').click();

  // Paint them onto a blue circle: a 5 × 5 brush at the centre of the 8 × 8 hook grid.
  await page.getByTestId('steer-prompt').fill(BLUE_CIRCLE);
  await page.getByTestId('steer-seed').fill('0');
  await page.getByTestId('steer-alpha').fill('12');
  await page.getByTestId('mask-brush').selectOption('3');
  const mask = page.getByTestId('mask-canvas');
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
