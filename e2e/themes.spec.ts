/**
 * Light and dark themes on every page of the lab, with a trained SAE on the
 * toy model: the header's switch overrides the system's scheme and is
 * remembered; "System" follows prefers-color-scheme as it changes. Each page
 * is saved as a screenshot in each theme (the test's output folder,
 * <page>-<theme>.png), its background and text colours differ between the
 * themes, and no page throws or shows an error boundary. An SVG exported in
 * the dark theme carries the light theme's colours, not CSS variables.
 */
import { readFileSync } from 'node:fs';
import { expect, test, type Page } from '@playwright/test';
import { exported, openLab } from './lab-page';
import { pageErrors, trainShapesProject } from './trained-lab';

type Theme = 'light' | 'dark';
const PAGES = ['model', 'prompts', 'collect', 'dynamics', 'sae', 'latents', 'steer', 'device'] as const;
type PageId = (typeof PAGES)[number];

/** The computed colours a theme sets: the page's background and text, a panel's, the header's. */
async function colours(page: Page) {
  return page.evaluate(() => {
    const style = (selector: string) => {
      const e = document.querySelector(selector);
      return e ? { background: getComputedStyle(e).backgroundColor, text: getComputedStyle(e).color } : null;
    };
    return { root: style('html'), panel: style('.panel, .stage-nav'), header: style('.app-header') };
  });
}

/** Opens a page and waits until what it shows has been drawn. */
async function show(page: Page, id: PageId): Promise<void> {
  await page.getByTestId(`stage-${id}`).click();
  if (id === 'latents') await expect(page.getByTestId('heatmaps').locator('canvas').first()).toHaveAttribute('data-values', /,/, { timeout: 120_000 });
  if (id === 'steer') {
    await expect(page.getByTestId('steered-image')).toBeVisible({ timeout: 180_000 });
    await expect(page.getByTestId('steer-panel')).toHaveAttribute('data-running', 'false', { timeout: 180_000 });
  }
  if (id === 'device') await expect(page.getByTestId('adapter-chip')).toBeVisible();
  await expect(page.getByTestId('error-boundary'), `an error boundary on ${id}`).toHaveCount(0);
}

test('every page in light and dark, from the switch and from the system', async ({ page }) => {
  test.setTimeout(1_200_000);
  const errors = pageErrors(page);
  const html = page.locator('html');

  // The switch and the system's scheme.
  await page.emulateMedia({ colorScheme: 'light' });
  await openLab(page, 'model');
  await expect(html).toHaveAttribute('data-theme', 'light');
  await expect(page.getByTestId('theme-system')).toHaveAttribute('aria-pressed', 'true');
  await page.emulateMedia({ colorScheme: 'dark' });
  await expect(html).toHaveAttribute('data-theme', 'dark');
  await page.getByTestId('theme-light').click();
  await expect(html).toHaveAttribute('data-theme', 'light');
  await page.reload();
  await expect(page.getByTestId('theme-light')).toHaveAttribute('aria-pressed', 'true');
  await expect(html).toHaveAttribute('data-theme', 'light');
  await page.getByTestId('theme-system').click();
  await expect(html).toHaveAttribute('data-theme', 'dark');
  await page.emulateMedia({ colorScheme: 'light' });
  await expect(html).toHaveAttribute('data-theme', 'light');

  await trainShapesProject(page);
  await page.getByTestId('stage-latents').click();
  await page.getByTestId('latent-row').first().click();
  await page.getByTestId('steer-with-latent').click();

  // Light from the switch while the system is dark; dark from the system, the switch on System.
  const seen: Record<Theme, Partial<Record<PageId, Awaited<ReturnType<typeof colours>>>>> = { light: {}, dark: {} };
  for (const theme of ['light', 'dark'] as const) {
    await page.emulateMedia({ colorScheme: 'dark' });
    await page.getByTestId(theme === 'light' ? 'theme-light' : 'theme-system').click();
    await expect(html).toHaveAttribute('data-theme', theme);
    for (const id of PAGES) {
      await show(page, id);
      await page.screenshot({ path: test.info().outputPath(`${id}-${theme}.png`), fullPage: true });
      seen[theme][id] = await colours(page);
    }
  }
  for (const id of PAGES) {
    const [light, dark] = [seen.light[id]!, seen.dark[id]!];
    expect(dark.root!.background, id).not.toBe(light.root!.background);
    expect(dark.root!.text, id).not.toBe(light.root!.text);
    expect(dark.panel!.background, id).not.toBe(light.panel!.background);
    expect(dark.header!.background, id).not.toBe(light.header!.background);
  }

  // A figure exported from the dark page is a light figure, with colours a file can hold.
  await show(page, 'latents');
  const svgs = (await exported(page, 'export-latent-figures', test.info().outputPath('export'), 4)).filter((p) => p.endsWith('.svg'));
  expect(svgs.length).toBeGreaterThan(0);
  for (const path of svgs) {
    const svg = readFileSync(path, 'utf8');
    expect(svg, path).not.toContain('var(--');
  }
  expect(readFileSync(svgs.find((p) => p.includes('step-histograms'))!, 'utf8')).toContain('#4e79a7');
  expect(errors).toEqual([]);
});
