// @vitest-environment happy-dom
import { act, createElement as h } from 'react';
import { afterEach, describe, expect, it } from 'vitest';
import { useTestRoot } from '../test-root';
import { bindShortcut, dispatchShortcut, shortcutFor, type KeyPress } from './shortcut-dispatch';
import { SHORTCUTS } from './shortcut-table';
import { ShortcutKeys } from './ShortcutKeys';

const press = (key: string, target: EventTarget | null = document.body, extra: Partial<KeyPress> = {}): KeyPress => ({ key, ctrlKey: false, metaKey: false, altKey: false, repeat: false, target, ...extra });

/** An element of `html` appended to the body, for targets. */
function element(html: string): HTMLElement {
  const holder = document.createElement('div');
  holder.innerHTML = html;
  document.body.append(holder);
  return holder.firstElementChild as HTMLElement;
}

afterEach(() => {
  document.body.innerHTML = '';
});

describe('shortcutFor', () => {
  it('maps every key of the table to its shortcut, letters in either case', () => {
    for (const s of SHORTCUTS) for (const key of s.keys) expect(shortcutFor(press(key))).toBe(s.id);
    expect(shortcutFor(press('J'))).toBe('next-latent');
    expect(shortcutFor(press('x'))).toBeNull();
    expect(shortcutFor(press('Enter'))).toBeNull();
  });

  it('leaves keys to text fields, sliders, selects and editable text, and inside them to their descendants', () => {
    const targets = ['<input type="text">', '<input type="range">', '<textarea></textarea>', '<select><option>a</option></select>', '<div contenteditable="true"><b>x</b></div>'].map(element);
    for (const target of targets) for (const key of ['j', 'ArrowRight', ' ', 's', '?']) expect(shortcutFor(press(key, target))).toBeNull();
    expect(shortcutFor(press('j', targets[4].querySelector('b')))).toBeNull();
    expect(shortcutFor(press('j', element('<div contenteditable="false"></div>')))).toBe('next-latent');
  });

  it('never takes Space from a button or link it would press, but takes the other keys there', () => {
    for (const html of ['<button>b</button>', '<a href="#x">a</a>', '<summary>s</summary>']) {
      const target = element(html);
      expect(shortcutFor(press(' ', target))).toBeNull();
      expect(shortcutFor(press('p', target))).toBe('play-scrubber');
      expect(shortcutFor(press('j', target))).toBe('next-latent');
    }
    // A latent row (role="button", opened by Enter) keeps Space for the scrubber.
    expect(shortcutFor(press(' ', element('<div role="button" tabindex="0">row</div>')))).toBe('play-scrubber');
  });

  it('ignores presses with Ctrl, ⌘ or Alt, toggles held down, and inside a dialog everything but the list toggle', () => {
    expect(shortcutFor(press('s', document.body, { ctrlKey: true }))).toBeNull();
    expect(shortcutFor(press('j', document.body, { metaKey: true }))).toBeNull();
    expect(shortcutFor(press('j', document.body, { altKey: true }))).toBeNull();
    expect(shortcutFor(press('p', document.body, { repeat: true }))).toBeNull();
    expect(shortcutFor(press('j', document.body, { repeat: true }))).toBe('next-latent');
    const inDialog = element('<div role="dialog"><button>Close</button></div>').querySelector('button');
    expect(shortcutFor(press('j', inDialog))).toBeNull();
    expect(shortcutFor(press('?', inDialog))).toBe('shortcut-help');
  });
});

describe('dispatchShortcut', () => {
  const event = (key: string, target: EventTarget | null = document.body) => {
    const e = { ...press(key, target), defaultPrevented: false, preventDefault: () => (e.defaultPrevented = true) };
    return e;
  };

  it('runs the latest bound handler and prevents the browser default; an unbound shortcut keeps the default (Space scrolls)', () => {
    const calls: string[] = [];
    const unbindA = bindShortcut('next-latent', () => calls.push('a'));
    const unbindB = bindShortcut('next-latent', () => calls.push('b'));
    const e = event('j');
    expect(dispatchShortcut(e)).toBe(true);
    expect(e.defaultPrevented).toBe(true);
    unbindB();
    dispatchShortcut(event('ArrowRight'));
    unbindA();
    const space = event(' ');
    expect(dispatchShortcut(space)).toBe(false);
    expect(space.defaultPrevented).toBe(false);
    expect(dispatchShortcut(event('j'))).toBe(false);
    expect(calls).toEqual(['b', 'a']);
  });

  it('does nothing for a press in a field or one already handled', () => {
    let runs = 0;
    const unbind = bindShortcut('toggle-steering', () => runs++);
    expect(dispatchShortcut(event('s', element('<input>')))).toBe(false);
    const handled = event('s');
    handled.defaultPrevented = true;
    expect(dispatchShortcut(handled)).toBe(false);
    expect(runs).toBe(0);
    unbind();
  });
});

describe('ShortcutKeys', () => {
  const root = useTestRoot();

  const key = (k: string, target: EventTarget = document.body) => act(() => void target.dispatchEvent(new KeyboardEvent('keydown', { key: k, bubbles: true, cancelable: true })));
  const list = () => document.querySelector('[data-testid="shortcut-list"]');

  it('opens the list on ?, generated from the table with what the page offers, focused on Close, and closes on Esc and Close, focus back where it was', () => {
    const unbind = bindShortcut('play-scrubber', () => {});
    root.render(h(ShortcutKeys));
    const opener = root.container.querySelector<HTMLElement>('[data-testid="shortcut-help-button"]')!;
    opener.focus();
    key('?', opener);
    const dialog = list()!;
    expect(dialog.getAttribute('role')).toBe('dialog');
    expect(dialog.getAttribute('aria-modal')).toBe('true');
    expect(document.getElementById(dialog.getAttribute('aria-labelledby')!)!.textContent).toBe('Keyboard shortcuts');
    const rows = [...dialog.querySelectorAll('[data-testid="shortcut-row"]')];
    expect(rows.map((r) => r.getAttribute('data-shortcut'))).toEqual(SHORTCUTS.map((s) => s.id));
    expect(rows.map((r) => r.getAttribute('data-available'))).toEqual(SHORTCUTS.map((s) => String(s.id === 'play-scrubber' || s.id === 'shortcut-help')));
    expect(rows[2].textContent).toContain('Space or p');
    expect(document.activeElement?.getAttribute('data-testid')).toBe('shortcut-list-close');
    key('Escape', document.activeElement!);
    expect(list()).toBeNull();
    expect(document.activeElement).toBe(opener);
    act(() => opener.click());
    act(() => (document.querySelector('[data-testid="shortcut-list-close"]') as HTMLElement).click());
    expect(list()).toBeNull();
    // ? again inside the open list closes it.
    key('?');
    key('?', document.activeElement!);
    expect(list()).toBeNull();
    unbind();
  });
});
