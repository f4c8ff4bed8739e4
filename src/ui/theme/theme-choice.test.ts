// @vitest-environment happy-dom
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { applyStoredTheme, applyThemeChoice, resolveTheme, saveThemeChoice, storedThemeChoice } from './theme-choice';

/** A system scheme the test switches, with the listeners matchMedia hands out. */
function fakeSystem(dark: boolean) {
  const listeners = new Set<() => void>();
  const query = {
    get matches() {
      return dark;
    },
    addEventListener: (_: string, f: () => void) => listeners.add(f),
    removeEventListener: (_: string, f: () => void) => listeners.delete(f),
  };
  vi.stubGlobal('matchMedia', (q: string) => (q === '(prefers-color-scheme: dark)' ? query : null));
  return {
    listeners,
    set(d: boolean) {
      dark = d;
      listeners.forEach((f) => f());
    },
  };
}

const theme = () => document.documentElement.dataset.theme;

beforeEach(() => localStorage.clear());
afterEach(() => vi.unstubAllGlobals());

describe('theme choice', () => {
  it('is remembered: system by default and for anything unknown, light or dark once chosen', () => {
    expect(storedThemeChoice()).toBe('system');
    saveThemeChoice('dark');
    expect(storedThemeChoice()).toBe('dark');
    saveThemeChoice('system');
    expect(storedThemeChoice()).toBe('system');
    localStorage.setItem('trajectory-lab.theme', 'sepia');
    expect(storedThemeChoice()).toBe('system');
  });

  it('resolves System by the system scheme and a chosen theme regardless of it', () => {
    expect([resolveTheme('system', true), resolveTheme('system', false), resolveTheme('light', true), resolveTheme('dark', false)]).toEqual(['dark', 'light', 'light', 'dark']);
  });

  it('puts the theme on <html>, follows the system while the choice is System, and stops when unsubscribed', () => {
    const system = fakeSystem(false);
    saveThemeChoice('dark');
    applyStoredTheme();
    expect(theme()).toBe('dark');
    const stopLight = applyThemeChoice('light');
    system.set(true);
    expect(theme()).toBe('light');
    expect(system.listeners.size).toBe(0);
    stopLight();
    const stop = applyThemeChoice('system');
    expect(theme()).toBe('dark');
    system.set(false);
    expect(theme()).toBe('light');
    stop();
    expect(system.listeners.size).toBe(0);
    system.set(true);
    expect(theme()).toBe('light');
  });
});
