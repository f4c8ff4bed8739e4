/**
 * The colour theme: the user's choice (system, light or dark, remembered in
 * localStorage) resolved against the system's prefers-color-scheme, and put
 * on <html> as data-theme, which selects theme.css's palette.
 */
export type ThemeChoice = 'system' | 'light' | 'dark';
export type Theme = 'light' | 'dark';

export const THEME_CHOICES: readonly ThemeChoice[] = ['system', 'light', 'dark'];

const STORAGE_KEY = 'trajectory-lab.theme';
const DARK_QUERY = '(prefers-color-scheme: dark)';

/** The remembered choice; 'system' when none (or storage is blocked). */
export function storedThemeChoice(): ThemeChoice {
  try {
    const v = localStorage.getItem(STORAGE_KEY);
    return THEME_CHOICES.includes(v as ThemeChoice) ? (v as ThemeChoice) : 'system';
  } catch {
    return 'system';
  }
}

export function saveThemeChoice(choice: ThemeChoice): void {
  try {
    if (choice === 'system') localStorage.removeItem(STORAGE_KEY);
    else localStorage.setItem(STORAGE_KEY, choice);
  } catch {
    // Storage blocked: the choice lasts for this page only.
  }
}

export function resolveTheme(choice: ThemeChoice, systemDark: boolean): Theme {
  return choice === 'system' ? (systemDark ? 'dark' : 'light') : choice;
}

/**
 * Puts the choice's theme on <html> now and, while the choice is 'system',
 * again whenever the system's scheme changes; returns the unsubscribe.
 */
export function applyThemeChoice(choice: ThemeChoice): () => void {
  const query = matchMedia(DARK_QUERY);
  const apply = () => setTheme(resolveTheme(choice, query.matches));
  apply();
  if (choice !== 'system') return () => {};
  query.addEventListener('change', apply);
  return () => query.removeEventListener('change', apply);
}

/** The remembered choice's theme on <html> once, before the first render, so the page never shows the other palette first. */
export function applyStoredTheme(): void {
  setTheme(resolveTheme(storedThemeChoice(), matchMedia(DARK_QUERY).matches));
}

function setTheme(theme: Theme): void {
  document.documentElement.dataset.theme = theme;
}
