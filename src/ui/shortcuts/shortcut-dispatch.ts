/**
 * Keyboard shortcut dispatch: which shortcut a key press means (none while
 * the user types or operates a control) and the handlers the open pages
 * registered for it. One window listener (ShortcutKeys) calls dispatchShortcut.
 */
import { SHORTCUTS, type ShortcutId } from './shortcut-table';

/** What a key event carries that decides its shortcut (a KeyboardEvent has all of it). */
export interface KeyPress {
  key: string;
  ctrlKey: boolean;
  metaKey: boolean;
  altKey: boolean;
  repeat: boolean;
  target: EventTarget | null;
}

/** Elements whose keys belong to them: a text field, a slider or list, editable text. */
const TYPING = 'input, textarea, select, [contenteditable]:not([contenteditable="false"])';
/**
 * Elements the browser presses on Space or Enter: a shortcut on those keys
 * would steal the click. The lab's clickable rows (role="button") open on
 * Enter only, so Space on a just-clicked latent row still plays its scrubber.
 */
const ACTIVATED = 'button, a[href], summary';

const BY_KEY = new Map(SHORTCUTS.flatMap((s) => s.keys.map((k) => [k, s] as const)));

/**
 * The shortcut a key press means, or null: none with Ctrl, ⌘ or Alt (the
 * browser's and the system's own), none while focus is in a text field,
 * slider, select or editable text, Space and Enter never on a button or link,
 * and inside a dialog only the list's own toggle.
 */
export function shortcutFor(press: KeyPress): ShortcutId | null {
  if (press.ctrlKey || press.metaKey || press.altKey) return null;
  const shortcut = BY_KEY.get(press.key.length === 1 ? press.key.toLowerCase() : press.key);
  if (!shortcut || (press.repeat && !shortcut.repeats)) return null;
  const target = press.target instanceof Element ? press.target : null;
  if (target?.closest(TYPING)) return null;
  if ((press.key === ' ' || press.key === 'Enter') && target?.closest(ACTIVATED)) return null;
  if (target?.closest('[role="dialog"], dialog') && shortcut.id !== 'shortcut-help') return null;
  return shortcut.id;
}

/** Handlers by shortcut, the latest registration first (a page opened over another takes the key). */
const handlers = new Map<ShortcutId, (() => void)[]>();

/** Binds `run` to a shortcut until the returned function is called. */
export function bindShortcut(id: ShortcutId, run: () => void): () => void {
  const stack = handlers.get(id) ?? [];
  handlers.set(id, [run, ...stack]);
  return () => handlers.set(id, (handlers.get(id) ?? []).filter((h) => h !== run));
}

/** Whether a shortcut does something on the page as it is now (the list marks the others). */
export function isShortcutBound(id: ShortcutId): boolean {
  return (handlers.get(id)?.length ?? 0) > 0;
}

/** Runs the shortcut a key press means, if a page has bound it; true (and the browser's default prevented) when it ran. */
export function dispatchShortcut(event: KeyPress & { preventDefault(): void; defaultPrevented: boolean }): boolean {
  if (event.defaultPrevented) return false;
  const id = shortcutFor(event);
  const run = id && handlers.get(id)?.[0];
  if (!run) return false;
  event.preventDefault();
  run();
  return true;
}
