import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';

/** Each theme's variables as written in theme.css: name → value. */
function palettes(): Record<'light' | 'dark', Record<string, string>> {
  const css = readFileSync(new URL('./theme.css', import.meta.url), 'utf8').replace(/\/\*[\s\S]*?\*\//g, '');
  const block = (selector: string) => {
    const body = css.slice(css.indexOf(selector)).match(/\{([^}]*)\}/)![1];
    return Object.fromEntries([...body.matchAll(/--([\w-]+):\s*([^;]+);/g)].map((m) => [m[1], m[2].trim()]));
  };
  return { light: block(`[data-theme='light']`), dark: block(`[data-theme='dark']`) };
}

/** WCAG 2.x relative luminance of a #rrggbb colour. */
function luminance(hex: string): number {
  const [r, g, b] = [1, 3, 5].map((i) => parseInt(hex.slice(i, i + 2), 16) / 255).map((c) => (c <= 0.04045 ? c / 12.92 : ((c + 0.055) / 1.055) ** 2.4));
  return 0.2126 * r + 0.7152 * g + 0.0722 * b;
}

/** WCAG contrast ratio (L1 + 0.05) / (L2 + 0.05), 1 to 21. */
function contrast(a: string, b: string): number {
  const [hi, lo] = [luminance(a), luminance(b)].sort((x, y) => y - x);
  return (hi + 0.05) / (lo + 0.05);
}

/** Text colour on background, as the page pairs them (body text 4.5:1, WCAG AA). */
const TEXT_PAIRS: [string, string][] = [
  ['text', 'bg'], ['text', 'surface'], ['text', 'accent-soft'], ['text', 'bad-soft'],
  ['muted', 'bg'], ['muted', 'surface'], ['muted', 'accent-soft'],
  ['accent', 'surface'], ['accent', 'bg'], ['accent', 'accent-soft'],
  ['on-accent', 'accent'],
  ['good', 'good-soft'], ['good', 'surface'], ['bad', 'bad-soft'], ['bad', 'surface'], ['busy', 'busy-soft'], ['busy', 'surface'],
  ['header-text', 'header'], ['header-muted', 'header'], ['header-text', 'header-control'],
];

/** Inactive text (a stage not built yet) and graphics (bars, frames) need 3:1 (WCAG 1.4.3's exemption, 1.4.11). */
const GRAPHIC_PAIRS: [string, string][] = [['faint', 'surface'], ['chart-bar', 'surface'], ['accent', 'surface']];

describe('theme contrast', () => {
  const themes = palettes();

  it('defines the same variables in both themes', () => {
    expect(Object.keys(themes.dark).sort()).toEqual(Object.keys(themes.light).sort());
  });

  for (const theme of ['light', 'dark'] as const) {
    it(`${theme}: every text pair reaches 4.5:1 and every graphic 3:1`, () => {
      const vars = themes[theme];
      const ratio = ([fg, bg]: [string, string]) => Number(contrast(vars[fg], vars[bg]).toFixed(2));
      const text = Object.fromEntries(TEXT_PAIRS.map((p) => [`${p[0]} on ${p[1]}`, ratio(p)]));
      const graphics = Object.fromEntries(GRAPHIC_PAIRS.map((p) => [`${p[0]} on ${p[1]}`, ratio(p)]));
      for (const [pair, r] of Object.entries(text)) expect(r, pair).toBeGreaterThanOrEqual(4.5);
      for (const [pair, r] of Object.entries(graphics)) expect(r, pair).toBeGreaterThanOrEqual(3);
    });
  }

  it('computes the WCAG ratio (black on white 21, white on #767676 4.54)', () => {
    expect(contrast('#000000', '#ffffff')).toBeCloseTo(21, 6);
    expect(contrast('#ffffff', '#767676')).toBeCloseTo(4.54, 2);
  });
});
