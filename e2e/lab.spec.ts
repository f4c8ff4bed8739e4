/**
 * The lab's first half in Chromium with WebGPU on SwiftShader, on the toy
 * model, with real clicks and real file drops: prompts → collect → fit →
 * train. The numbers on screen are read back from the DOM and compared with
 * what the CLI computes in Node from the files the page exports; a reload in
 * the middle of a collection resumes and ends with the CLI's file, byte for
 * byte; bad prompt files are refused and the previous set is kept. On the
 * Latents page the heatmaps, the per-step histograms and the per-step
 * previews under the heatmaps are checked against Node's reading of the
 * exported files.
 */
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { expect, test, type Page } from '@playwright/test';
import { readProjectBundle } from '../src/data/project-bundle';
import { drawImages } from '../src/sae/image-sample';
import { heatmapOverlayPixels } from '../src/ui/charts/heatmap-overlay';
import { cli, cliJson } from './cli';
import { recordCspViolations } from './csp-violations';
import { dropFile } from './drop-file';
import { COLLECT_S as S, COLLECT_STEPS as STEPS, SHAPE_PROMPTS as PROMPTS, exported, openLab, startCollect as collect, trainSmallSae } from './lab-page';

/** A canvas's pixels as drawn. */
async function canvasPixels(page: Page, testId: string): Promise<{ width: number; height: number; data: number[] }> {
  return page.getByTestId(testId).evaluate((c: HTMLCanvasElement) => ({ width: c.width, height: c.height, data: Array.from(c.getContext('2d')!.getImageData(0, 0, c.width, c.height).data) }));
}

/**
 * Every project folder's files whose names match `pattern`, in the page's OPFS: removed, moved aside
 * (renamed "hidden.<name>", as if a project from before they were saved) or moved back.
 */
async function projectFiles(page: Page, pattern: string, action: 'remove' | 'hide' | 'restore'): Promise<number> {
  return page.evaluate(
    async ([pattern, action]) => {
      type Dir = FileSystemDirectoryHandle & { values(): AsyncIterable<FileSystemHandle> };
      const projects = (await (await navigator.storage.getDirectory()).getDirectoryHandle('projects')) as Dir;
      let count = 0;
      for await (const folder of projects.values()) {
        if (folder.kind !== 'directory') continue;
        for await (const file of (folder as Dir).values()) {
          const hidden = file.name.startsWith('hidden.');
          const name = hidden ? file.name.slice('hidden.'.length) : file.name;
          if (file.kind !== 'file' || !new RegExp(pattern).test(name) || hidden !== (action === 'restore')) continue;
          if (action === 'remove') await (folder as Dir).removeEntry(file.name);
          else await (file as FileSystemFileHandle & { move(name: string): Promise<void> }).move(action === 'hide' ? `hidden.${name}` : name);
          count++;
        }
      }
      return count;
    },
    [pattern, action] as const,
  );
}

/**
 * Every project's latent statistics file rewritten as if from before the spatial statistics: the header
 * without spatial_spread, fire_images, sample_image and the "positions" metadata (their bytes stay, unreferenced).
 */
async function stripSpatialStatistics(page: Page): Promise<number> {
  return page.evaluate(async () => {
    type Dir = FileSystemDirectoryHandle & { values(): AsyncIterable<FileSystemHandle> };
    const projects = (await (await navigator.storage.getDirectory()).getDirectoryHandle('projects')) as Dir;
    let count = 0;
    for await (const folder of projects.values()) {
      if (folder.kind !== 'directory') continue;
      const handle = await (folder as FileSystemDirectoryHandle).getFileHandle('latents.safetensors').catch(() => null);
      if (!handle) continue;
      const bytes = new Uint8Array(await (await handle.getFile()).arrayBuffer());
      const n = Number(new DataView(bytes.buffer).getBigUint64(0, true));
      const header = JSON.parse(new TextDecoder().decode(bytes.subarray(8, 8 + n))) as Record<string, unknown> & { __metadata__: Record<string, string> };
      if (!('spatial_spread' in header)) continue;
      for (const name of ['spatial_spread', 'fire_images', 'sample_image']) delete header[name];
      delete header.__metadata__.positions;
      const text = new TextEncoder().encode(JSON.stringify(header).padEnd(n, ' '));
      const out = new Uint8Array(8 + text.length + bytes.length - 8 - n);
      new DataView(out.buffer).setBigUint64(0, BigInt(text.length), true);
      out.set(text, 8);
      out.set(bytes.subarray(8 + n), 8 + text.length);
      const writable = await handle.createWritable();
      await writable.write(out);
      await writable.close();
      count++;
    }
    return count;
  });
}

/**
 * The open latent's spatial spread, random activating examples and co-firing latents, and the list's spread
 * column, sort and filter, against Node's reading of the exported files (e2e/latent-heatmap.ts).
 */
async function checkSpreadAndCoFiring(
  page: Page,
  latent: number,
  reference: { S: number; P: number; f: number[][]; spread: number[]; firingImages: number[]; cofiring: { j: number; jaccard: number }[] },
  options: { redraw: boolean } = { redraw: true },
): Promise<void> {
  const spread = page.getByTestId('latent-spread');
  await expect(spread).toHaveAttribute('data-value', /\d/, { timeout: 120_000 });
  expect(Number(await spread.getAttribute('data-value'))).toBeCloseTo(reference.spread[latent], 9);
  // The list's rows in view: each row's spread is Node's.
  const rows = await page.getByTestId('latent-row').evaluateAll((rs) => rs.map((r) => [Number(r.getAttribute('data-latent')), r.querySelector('[data-spread]')?.getAttribute('data-spread') ?? null] as const));
  expect(rows.length).toBeGreaterThan(5);
  for (const [k, shown] of rows) expect(shown === null ? 0 : Number(shown)).toBeCloseTo(reference.spread[k], 9);

  // Random activating examples: seed 0's draw among the images where it fires, each heatmap H = f_k(n, p)·‖v_k[s]‖ as Node's.
  const examples = page.getByTestId('random-examples');
  await expect(examples).toHaveAttribute('data-state', 'ready', { timeout: 120_000 });
  const drawn = async () => ((await examples.getAttribute('data-images')) ?? '').split(',').filter(Boolean).map(Number);
  const first = await drawn();
  expect(first).toEqual(drawImages(reference.firingImages, 6, 0));
  expect(first.length).toBe(Math.min(6, reference.firingImages.length));
  const heatmapOf = async (n: number, s: number) => ((await page.getByTestId(`random-heatmap-${n}-${s}`).getAttribute('data-values')) ?? '').split(',').map(Number);
  const profileAt = async (n: number, s: number) => {
    // H / f at a position where it fires gives ‖v_k[s]‖; every position must then agree with f·‖v_k[s]‖.
    const values = await heatmapOf(n, s);
    const p = reference.f[n].findIndex((v) => v > 0);
    return { values, norm: values[p] / reference.f[n][p] };
  };
  for (const n of first) {
    for (let s = 0; s < reference.S; s++) {
      const { values, norm } = await profileAt(n, s);
      expect(values.length).toBe(reference.P);
      values.forEach((v, p) => expect(v).toBeCloseTo(reference.f[n][p] * norm, 3));
    }
  }

  // Co-firing: the chips are Node's best latents by the Jaccard index of firing tokens, measured on every image where it fires.
  const coFiring = page.getByTestId('cofiring');
  await expect(coFiring).toHaveAttribute('data-state', 'ready', { timeout: 120_000 });
  expect(((await coFiring.getAttribute('data-images')) ?? '').split(',').map(Number)).toEqual(reference.firingImages);
  const chips = await coFiring.getByTestId('cofiring-latent').evaluateAll((cs) => cs.map((c) => [Number(c.getAttribute('data-latent')), Number(c.getAttribute('data-jaccard'))] as const));
  const want = reference.cofiring.slice(0, 8);
  expect(chips.map(([j]) => j)).toEqual(want.map((c) => c.j));
  chips.forEach(([, jaccard], i) => expect(jaccard).toBeCloseTo(want[i].jaccard, 9));
  expect(chips.length).toBeGreaterThan(0);
  await page.getByTestId('latent-detail').screenshot({ path: `test-results/lab-latent-random-cofiring${options.redraw ? '' : '-old-project'}.png` });

  if (options.redraw) {
    // Draw again: seed 1's draw (or, when every firing image is shown, nothing to draw).
    const redraw = page.getByTestId('redraw-examples');
    if (reference.firingImages.length > 6) {
      await redraw.click();
      await expect(examples).toHaveAttribute('data-seed', '1');
      await expect(examples).toHaveAttribute('data-state', 'ready', { timeout: 60_000 });
      expect(await drawn()).toEqual(drawImages(reference.firingImages, 6, 1));
    } else {
      await expect(redraw).toBeDisabled();
    }
    // A chip opens that latent.
    await coFiring.getByTestId('cofiring-latent').first().click();
    await expect(page.getByTestId('latent-detail')).toHaveAttribute('data-latent', String(want[0].j));
    await page.locator(`[data-testid="latent-row"][data-latent="${latent}"]`).click();
    await expect(page.getByTestId('latent-detail')).toHaveAttribute('data-latent', String(latent));

    // The list sorted by spread (localised first) and filtered to a spread range around the median: Node's order and count.
    await page.getByTestId('latent-sort').selectOption('localised');
    const firingLatents = reference.spread.map((v, k) => [k, v] as const).filter(([, v]) => v > 0);
    const localised = [...firingLatents].sort((a, b) => a[1] - b[1] || a[0] - b[0]).map(([k]) => k);
    const shownOrder = await page.getByTestId('latent-row').evaluateAll((rs) => rs.map((r) => [Number(r.style.top.replace('px', '')), Number(r.getAttribute('data-latent'))] as const).sort((a, b) => a[0] - b[0]).map(([, k]) => k));
    expect(shownOrder.slice(0, 10)).toEqual(localised.slice(0, 10));
    const spreads = firingLatents.map(([, v]) => v).sort((a, b) => a - b);
    const [low, high] = [spreads[Math.floor(spreads.length / 4)], spreads[Math.floor((3 * spreads.length) / 4)]];
    await page.getByTestId('latent-spread-min').fill(String(low));
    await page.getByTestId('latent-spread-max').fill(String(high));
    const inRange = firingLatents.filter(([, v]) => v >= low && v <= high).length;
    expect(inRange).toBeGreaterThan(0);
    expect(inRange).toBeLessThan(reference.spread.length);
    await expect(page.getByTestId('latent-count')).toHaveText(`${inRange} of ${reference.spread.length}`);
    await page.getByTestId('latents-panel').screenshot({ path: 'test-results/lab-latents-spread.png' });
    await page.getByTestId('latent-spread-min').fill('0');
    await page.getByTestId('latent-spread-max').fill('1');
    await page.getByTestId('latent-sort').selectOption('firing');
  }
}

test('drop a prompt file, collect, fit and train an SAE: the page shows what the CLI computes from its exports', async ({ page }) => {
  test.setTimeout(600_000);
  const dir = mkdtempSync(join(tmpdir(), 'lab-e2e-'));
  // The whole flow runs under the build's Content-Security-Policy (vite preview sends it, as a host should).
  const cspViolations = await recordCspViolations(page);
  await openLab(page, 'prompts');
  await dropFile(page, 'shapes.txt', PROMPTS.join('\n'));
  await expect(page.getByTestId('prompts-count')).toHaveText('8 prompts');
  await expect(page.getByTestId('preview-count')).toContainText('8 (8 distinct');
  await page.screenshot({ path: 'test-results/lab-prompts.png', fullPage: true });

  await collect(page);
  await expect(page.getByTestId('collect-progress')).toBeVisible();
  await page.screenshot({ path: 'test-results/lab-collect-running.png', fullPage: true });
  await expect(page.getByTestId('stage-collect')).toHaveAttribute('data-state', 'done', { timeout: 300_000 });
  await expect(page.getByTestId('thumbnails').locator('canvas')).toHaveCount(8);
  await page.screenshot({ path: 'test-results/lab-collect.png', fullPage: true });
  const [trajectories] = await exported(page, 'export-trajectories', dir);

  // Dynamics: every variant; the full one (saved) against the CLI's fit of the exported file.
  await page.getByTestId('stage-dynamics').click();
  // The fit's kernels compile while the page is open; then the click starts fitting at once.
  await expect(page.getByTestId('prewarm-fit')).toHaveAttribute('data-state', 'ready', { timeout: 180_000 });
  const clicked = Date.now();
  await page.getByTestId('fit-compare').click();
  await expect(page.getByTestId('fit-progress')).toContainText(/reading|solving/);
  console.log(`fit: click → first progress tick ${Date.now() - clicked} ms (kernels compiled ahead: ${await page.getByTestId('prewarm-fit').textContent()})`);
  await expect(page.getByTestId('r2-table').locator('tr[data-variant]')).toHaveCount(4, { timeout: 180_000 });
  await page.screenshot({ path: 'test-results/lab-dynamics.png', fullPage: true });
  const shown = await page.getByTestId('r2-table').locator('tr[data-variant="full"] td[data-r2]').evaluateAll((cells) => cells.map((c) => [Number(c.getAttribute('data-r2')), Number(c.getAttribute('data-r2-heldout'))]));
  const charted = await page.getByTestId('r2-chart').locator('[data-series="full train"] circle').evaluateAll((cs) => cs.map((c) => Number(c.getAttribute('data-y'))));
  const fit = cliJson<{ r2: number[]; r2_heldout: number[] }>('fit', '--traj', trajectories, '--variant', 'full', '--out', join(dir, 'cli-dynamics.safetensors'));
  expect(shown.length).toBe(Number(S) - 1);
  shown.forEach(([train, heldout], i) => {
    expect(train).toBeCloseTo(fit.r2[i], 3);
    expect(heldout).toBeCloseTo(fit.r2_heldout[i], 3);
    expect(charted[i]).toBeCloseTo(fit.r2[i], 3);
  });
  const [dynamics] = await exported(page, 'export-dynamics', dir);

  // SAE: a small one; its evaluation on every token against `eval --json` on the exported files.
  await page.getByTestId('stage-sae').click();
  await page.getByTestId('sae-latents').fill('0');
  await expect(page.getByTestId('sae-config-error')).toContainText('latents');
  await trainSmallSae(page);
  await expect(page.getByTestId('training-state')).toHaveText('done', { timeout: 300_000 });
  await expect(page.getByTestId('evaluation-panel')).toBeVisible();
  await expect(page.getByTestId('curve-loss').locator('circle')).toHaveCount(4);
  await page.screenshot({ path: 'test-results/lab-sae.png', fullPage: true });
  const [sae] = await exported(page, 'export-sae', dir, 2);
  const evaluation = cliJson<{ fvu_z: number; fvu_x: number; l0: number; dead_percent: number }>('eval', '--traj', trajectories, '--dynamics', dynamics, '--sae', sae, '--json');
  const value = async (id: string) => Number(await page.getByTestId(id).getAttribute('data-value'));
  expect(await value('eval-fvu-z')).toBeCloseTo(evaluation.fvu_z, 4);
  expect(await value('eval-fvu-x')).toBeCloseTo(evaluation.fvu_x, 4);
  expect(await value('eval-l0')).toBeCloseTo(evaluation.l0, 4);
  expect(await value('eval-dead')).toBeCloseTo(evaluation.dead_percent, 4);

  // The ablation: four arms, each against the CLI's `ablation --json` on the exported trajectories.
  await page.getByTestId('run-ablation').click();
  await expect(page.getByTestId('ablation-table').locator('tr[data-arm]')).toHaveCount(4, { timeout: 300_000 });
  await page.getByTestId('ablation-panel').screenshot({ path: 'test-results/lab-ablation.png' });
  const arms = cli('ablation', '--traj', trajectories, '--latents', '32', '--k', '4', '--steps', '40', '--batch', '64', '--lr', '0.001', '--seed', '0', '--json')
    .trim()
    .split('\n')
    .map((line) => JSON.parse(line) as { arm: string; fvuX: number });
  for (const arm of arms) {
    const shownFvu = Number(await page.locator(`tr[data-arm="${arm.arm}"] td[data-value]`).getAttribute('data-value'));
    expect(shownFvu).toBeCloseTo(arm.fvuX, 3);
  }

  // Every stage survives a reload.
  await page.reload();
  await expect(page.getByTestId('stage-sae')).toHaveAttribute('data-state', 'done', { timeout: 120_000 });
  for (const stage of ['prompts', 'collect', 'dynamics']) await expect(page.getByTestId(`stage-${stage}`)).toHaveAttribute('data-state', 'done');
  await expect(page.getByTestId('eval-fvu-z')).toHaveAttribute('data-value', String(await value('eval-fvu-z')));

  // Latents: the most frequent latent's heatmap against the engine's H_k[s, p] in Node from the exported files.
  await page.getByTestId('stage-latents').click();
  await expect(page.getByTestId('latent-row').first()).toBeVisible({ timeout: 60_000 });
  await page.getByTestId('latent-row').first().click();
  const latent = Number(await page.getByTestId('latent-detail').getAttribute('data-latent'));
  const firstMap = page.getByTestId('heatmaps').locator('canvas').first();
  await expect(firstMap).toHaveAttribute('data-values', /,/, { timeout: 60_000 });
  const [, imageText] = /^heatmap-(\d+)-0$/.exec((await firstMap.getAttribute('data-testid')) ?? '')!;
  // The project as one file: Node reads the image's stored preview strip from it.
  const [latentBundle] = await exported(page, 'export-project', dir);
  const reference = JSON.parse(execFileSync('npx', ['vite-node', 'e2e/latent-heatmap.ts', trajectories, dynamics, sae, String(latent), imageText, latentBundle], { encoding: 'utf8' }).trim().split('\n').pop()!) as {
    S: number;
    P: number;
    height: number;
    width: number;
    H: number[];
    firings: number;
    f: number[][];
    spread: number[];
    firingImages: number[];
    cofiring: { j: number; jaccard: number }[];
    steps: { edges: number[][]; counts: number[][] };
    previews: { width: number; height: number; frames: number[][] } | null;
  };
  for (let step = 0; step < reference.S; step++) {
    const shownH = ((await page.getByTestId(`heatmap-${imageText}-${step}`).getAttribute('data-values')) ?? '').split(',').map(Number);
    expect(shownH.length).toBe(reference.P);
    shownH.forEach((v, p) => expect(v).toBeCloseTo(reference.H[step * reference.P + p], 3));
  }

  await checkSpreadAndCoFiring(page, latent, reference);

  // Per-step histograms: the counts drawn equal Node's over every token of the exported trajectories.
  const stepHistograms = async () => {
    const chart = page.getByTestId('latent-step-histograms');
    await expect(chart.locator('g.step-histogram')).toHaveCount(reference.S, { timeout: 120_000 });
    const counts = await chart.locator('g.step-histogram').evaluateAll((gs) => gs.map((g) => (g.getAttribute('data-counts') ?? '').split(',').map(Number)));
    const edges = await chart.locator('g.step-histogram').evaluateAll((gs) => gs.map((g) => (g.getAttribute('data-edges') ?? '').split(',').map(Number)));
    return { counts, edges };
  };
  const shownSteps = await stepHistograms();
  expect(shownSteps.counts).toEqual(reference.steps.counts);
  for (const row of shownSteps.counts) expect(row.reduce((a, b) => a + b, 0)).toBe(reference.firings);
  // Each step's edges: the overall histogram's × ‖v_k[s]‖.
  expect(shownSteps.edges.map((row) => row.length)).toEqual(reference.steps.edges.map((row) => row.length));
  shownSteps.edges.forEach((row, s) => row.forEach((e, i) => expect(e / reference.steps.edges[s][i]).toBeCloseTo(1, 5)));
  expect(reference.firings).toBeGreaterThan(0);

  // Per-step previews: panel s of the image is step s's heatmap over the stored preview of step s, and the steps' previews differ.
  expect(reference.previews).not.toBeNull();
  const previews = reference.previews!;
  for (let s = 1; s < reference.S; s++) expect(previews.frames[s]).not.toEqual(previews.frames[s - 1]);
  const expectOverPreview = async (testId: string, s: number) => {
    const canvas = page.getByTestId(testId);
    await expect(canvas).toHaveAttribute('data-base', 'preview');
    const shown = await canvasPixels(page, testId);
    const values = ((await canvas.getAttribute('data-values')) ?? '').split(',').map(Number);
    const image = { width: previews.width, height: previews.height, rgba: Uint8ClampedArray.from(previews.frames[s]) };
    const expected = heatmapOverlayPixels({ image, values, height: reference.height, width: reference.width, max: Number(await canvas.getAttribute('data-max')) });
    expect([shown.width, shown.height]).toEqual([previews.width, previews.height]);
    // data-values are rounded to 6 digits: a channel may land one step off.
    expect(Math.max(...shown.data.map((v, i) => Math.abs(v - expected[i])))).toBeLessThanOrEqual(1);
  };
  for (let s = 0; s < reference.S; s++) await expectOverPreview(`heatmap-${imageText}-${s}`, s);
  // The scrubber moves the large panel through the steps, and the image under its heatmap moves with it.
  const focus = page.getByTestId('heatmap-focus');
  await expect(focus).toHaveAttribute('data-image', imageText);
  const atStep = async (s: number) => {
    await page.getByTestId('step-scrubber').fill(String(s));
    await expect(focus).toHaveAttribute('data-step', String(s));
    await expectOverPreview('heatmap-focus', s);
    return canvasPixels(page, 'heatmap-focus');
  };
  const first = await atStep(0);
  await page.getByTestId('latent-detail').screenshot({ path: 'test-results/lab-latent-step-1.png' });
  const last = await atStep(reference.S - 1);
  expect(last.data).not.toEqual(first.data);
  // Play steps on by itself (from the last step round to the first); Pause holds the step.
  await page.getByTestId('scrubber-play').click();
  await expect(focus).toHaveAttribute('data-step', '0', { timeout: 10_000 });
  await page.getByTestId('scrubber-play').click();
  await expect(page.getByTestId('scrubber-play')).toHaveText('Play');
  const held = await focus.getAttribute('data-step');
  await page.waitForTimeout(1500);
  await expect(focus).toHaveAttribute('data-step', held!);
  // The toggle puts the final image back under every step.
  await page.getByTestId('heatmap-base-final').check();
  await expect(focus).toHaveAttribute('data-base', 'final');
  await expect(page.getByTestId(`heatmap-${imageText}-0`)).toHaveAttribute('data-base', 'final');
  expect((await canvasPixels(page, 'heatmap-focus')).width).toBe(64);
  await page.getByTestId('heatmap-base-previews').check();
  await expect(focus).toHaveAttribute('data-base', 'preview');

  // The scrubber moves the highlighted step; a deep link reopens the latent.
  await page.getByTestId('step-scrubber').fill('0');
  await expect(page.getByTestId('scrubber-step')).toContainText('step 1 of');
  await expect(page.getByTestId(`heatmap-${imageText}-0`)).toHaveClass(/current/);
  await expect(page.getByTestId('latent-step-histograms').locator('g.step-histogram.current')).toHaveAttribute('data-step', '0');
  await page.screenshot({ path: 'test-results/lab-latents.png', fullPage: true });
  const figures = await exported(page, 'export-latent-figures', dir, 4);
  expect(readFileSync(figures[0]).subarray(1, 4).toString()).toBe('PNG');
  for (const svg of figures.slice(1)) expect(readFileSync(svg, 'utf8')).toMatch(/^<svg[^>]*xmlns="http:\/\/www.w3.org\/2000\/svg"/);
  const [csvPath] = await exported(page, 'export-latents-csv', dir);
  const csv = readFileSync(csvPath, 'utf8').trim().split('\n');
  expect(csv.length).toBe(1 + 32);
  expect(csv[0]).toMatch(/^latent,firing_rate,mean_activation/);
  // Its spatial spread column: every latent's, as Node counts it.
  const spreadColumn = csv[0].split(',').indexOf('spatial_spread');
  expect(csv.slice(1).map((line) => Number(line.split(',')[spreadColumn]))).toEqual(reference.spread);
  expect(page.url()).toContain(`#latents/${latent}`);
  // As a project from before previews were saved: the heatmaps sit on the final image with a line saying why
  // (the per-step histograms, derived from the statistics, are the same).
  // …and before the spatial statistics: they are measured on opening a latent (the same spread, sample and draw).
  expect(await stripSpatialStatistics(page)).toBe(1);
  expect(await projectFiles(page, '^preview-\\d+\\.png$', 'hide')).toBe(PROMPTS.length);
  await page.reload();
  await expect(page.getByTestId('latent-detail')).toHaveAttribute('data-latent', String(latent), { timeout: 120_000 });
  expect((await stepHistograms()).counts).toEqual(reference.steps.counts);
  await expect(page.getByTestId('no-previews')).toContainText('per-step previews are saved by a new collection');
  await expect(page.getByTestId('heatmap-focus')).toHaveAttribute('data-base', 'final');
  await page.getByTestId('latent-detail').screenshot({ path: 'test-results/lab-latent-old-project.png' });
  await checkSpreadAndCoFiring(page, latent, reference, { redraw: false });
  expect(await projectFiles(page, '^preview-\\d+\\.png$', 'restore')).toBe(PROMPTS.length);
  await page.reload();
  await expect(page.getByTestId('heatmap-focus')).toHaveAttribute('data-base', 'preview', { timeout: 120_000 });

  // Concept → latents: the images with "red" against the rest; the top latents go to Steer in one click.
  await page.getByTestId('load-image-activations').click();
  await page.getByTestId('concept-input').fill('red');
  await expect(page.getByTestId('concept-table').locator('tr[data-latent]')).toHaveCount(2, { timeout: 60_000 });
  await page.getByTestId('concept-panel').screenshot({ path: 'test-results/lab-concept.png' });
  const conceptLatents = await page.getByTestId('concept-table').locator('tr[data-latent]').evaluateAll((rows) => rows.map((r) => r.getAttribute('data-latent')).join(', '));
  await page.getByTestId('steer-with-concept').click();
  const steered = page.getByTestId('steer-latent-table').locator('tr[data-latent]');
  await expect(steered).toHaveCount(conceptLatents.split(', ').length, { timeout: 60_000 });
  expect(await steered.evaluateAll((rows) => rows.map((r) => r.getAttribute('data-latent')).join(', '))).toBe(conceptLatents);
  await page.getByTestId('stage-latents').click();

  // Which latents fire for a typed prompt.
  await page.getByTestId('prompt-latents-input').fill(PROMPTS[0]);
  await page.getByTestId('prompt-latents-run').click();
  await expect(page.getByTestId('prompt-latents-table').locator('tr[data-latent]').first()).toBeVisible({ timeout: 120_000 });

  // Its feature icon: the latent steered onto the empty prompt.
  await page.getByTestId('make-feature-icon').click();
  await expect(page.getByTestId('feature-icon')).toBeVisible({ timeout: 120_000 });

  // Steer with it: the image changes, more inside a painted mask than outside.
  await page.getByTestId('steer-with-latent').click();
  await expect(page.getByTestId('steered-image')).toBeVisible({ timeout: 120_000 });
  await page.getByTestId('steer-alpha').fill('12');
  const mask = page.getByTestId('mask-canvas');
  const box = (await mask.boundingBox())!;
  await page.mouse.move(box.x + 5, box.y + 5);
  await page.mouse.down();
  await page.mouse.move(box.x + box.width / 2 - 5, box.y + box.height - 5, { steps: 8 });
  await page.mouse.up();
  await expect(page.getByTestId('mask-count')).toContainText('of 16 positions');
  await expect(page.getByTestId('pixel-change')).toContainText('inside the mask', { timeout: 120_000 });
  const change = page.getByTestId('pixel-change');
  const inside = Number(await change.getAttribute('data-inside'));
  const outside = Number(await change.getAttribute('data-outside'));
  expect(inside).toBeGreaterThan(1);
  expect(inside).toBeGreaterThan(outside);
  await expect(page.getByTestId('probe-table').locator('tr[data-attribute]')).toHaveCount(5);
  // Both runs call by call.
  await expect(page.getByTestId('preview-strips').locator('canvas')).toHaveCount(2 * Number(STEPS));
  await page.screenshot({ path: 'test-results/lab-steer.png', fullPage: true });
  await page.getByTestId('preset-name').fill('masked');
  await page.getByTestId('save-preset').click();
  await expect(page.getByTestId('steer-presets').locator('option[value="masked"]')).toHaveCount(1);
  const pair = await exported(page, 'export-steer-pair', dir, 2);
  expect(pair.map((p) => readFileSync(p).subarray(1, 4).toString())).toEqual(['PNG', 'PNG']);

  // The whole project as one file re-imports as a new project with the same artifacts.
  const [bundle] = await exported(page, 'export-project', dir);
  const bundleFiles = (await readProjectBundle(readFileSync(bundle))).files;
  expect(bundleFiles.filter((f) => /^preview-\d+\.png$/.test(f.name))).toHaveLength(PROMPTS.length);
  await page.getByTestId('import-input').setInputFiles(bundle);
  await expect(page.getByTestId('project-choice').locator('option:checked')).toContainText('(imported)', { timeout: 60_000 });
  await expect(page.getByTestId('stage-sae')).toHaveAttribute('data-state', 'done');
  await page.getByTestId('stage-collect').click();
  const [again] = await exported(page, 'export-trajectories', dir);
  expect(readFileSync(again).equals(readFileSync(trajectories))).toBe(true);
  await page.getByTestId('stage-sae').click();
  const [saeAgain] = await exported(page, 'export-sae', dir, 2);
  expect(readFileSync(saeAgain).equals(readFileSync(sae))).toBe(true);
  // Its previews too, byte for byte.
  const [bundleAgain] = await exported(page, 'export-project', dir);
  const again2 = new Map((await readProjectBundle(readFileSync(bundleAgain))).files.map((f) => [f.name, f.bytes]));
  for (const f of bundleFiles.filter((f) => /^preview-/.test(f.name))) expect(Buffer.from(again2.get(f.name) ?? []).equals(Buffer.from(f.bytes))).toBe(true);
  expect(cspViolations).toEqual([]);
});

test('a reload in the middle of a collection resumes it and ends with the same file as an uninterrupted run', async ({ page }) => {
  test.setTimeout(600_000);
  const dir = mkdtempSync(join(tmpdir(), 'lab-e2e-'));
  const prompts = PROMPTS.slice(0, 6);
  writeFileSync(join(dir, 'prompts.txt'), prompts.join('\n'));
  await openLab(page, 'prompts');
  await page.getByTestId('new-project').click();
  await dropFile(page, 'six.txt', prompts.join('\n'));
  await expect(page.getByTestId('prompts-count')).toHaveText('6 prompts');
  await collect(page);
  await expect(page.getByTestId('thumbnails').locator('figure:not(.current)')).toHaveCount(2, { timeout: 120_000 });
  await page.reload();
  await expect(page.getByTestId('stage-collect')).toHaveAttribute('data-state', 'paused', { timeout: 120_000 });
  await page.getByTestId('stage-collect').click();
  const resume = page.getByTestId('resume-collect');
  await expect(resume).toBeEnabled({ timeout: 120_000 });
  const before = Number(/\((\d+) of 6/.exec((await resume.textContent()) ?? '')?.[1]);
  expect(before).toBeGreaterThanOrEqual(2);
  await page.screenshot({ path: 'test-results/lab-collect-resume.png', fullPage: true });
  await resume.click();
  await expect(page.getByTestId('stage-collect')).toHaveAttribute('data-state', 'done', { timeout: 300_000 });
  const [fromPage] = await exported(page, 'export-trajectories', dir);
  cli('collect', '--model', 'public/models/toy', '--prompts', join(dir, 'prompts.txt'), '--steps', STEPS, '--record', S, '--out', join(dir, 'cli.safetensors'));
  expect(readFileSync(fromPage).equals(readFileSync(join(dir, 'cli.safetensors')))).toBe(true);
});

test('bad prompt files are refused with a message naming the problem, and the previous set is kept', async ({ page }) => {
  test.setTimeout(240_000);
  await openLab(page, 'prompts');
  await page.getByTestId('new-project').click();
  await dropFile(page, 'good.csv', 'prompt,seed\n"a red circle, small",7\na blue square,8\n');
  await expect(page.getByTestId('prompts-count')).toHaveText('2 prompts');
  const cases: [string, string | Uint8Array, RegExp][] = [
    ['empty.txt', '', /empty|no prompts/i],
    ['binary.txt', new Uint8Array([0x89, 0x50, 0x4e, 0x47, 0, 0, 0, 0, 1, 2, 3]), /binary/i],
    ['no-prompt-column.csv', 'text,seed\na red circle,1\n', /prompt.*column|column.*prompt/i],
    ['bad-utf8.txt', new Uint8Array([...new TextEncoder().encode('a red circle\na blue '), 0xff, 0xfe, ...new TextEncoder().encode(' square\n')]), /UTF-8.*line 2|line 2.*UTF-8/i],
    ['broken.json', '["a red circle",\n  "a blue square"\n', /line|JSON/i],
    ['bad-line.jsonl', '{"prompt": "a red circle"}\n{"prompt": 5}\n', /line 2/i],
  ];
  for (const [name, content, message] of cases) {
    await dropFile(page, name, content);
    await expect(page.getByTestId('prompt-error')).toContainText(message);
    await expect(page.getByTestId('prompt-error')).toContainText(name);
    await expect(page.getByTestId('prompts-count')).toHaveText('2 prompts');
    await expect(page.getByTestId('prompts-source')).toContainText('good.csv');
  }
  await page.screenshot({ path: 'test-results/lab-prompts-error.png', fullPage: true });
  // A 50 MB file is refused before it is read.
  const huge = join(mkdtempSync(join(tmpdir(), 'lab-e2e-')), 'huge.txt');
  writeFileSync(huge, Buffer.alloc(50 * 10 ** 6, 'a'));
  await page.getByTestId('prompt-file-input').setInputFiles(huge);
  await expect(page.getByTestId('prompt-error')).toContainText(/MB|MiB|large/i);
  await expect(page.getByTestId('prompts-count')).toHaveText('2 prompts');
});
