/**
 * Every keyboard shortcut of the lab, in one table: the dispatcher binds
 * keys from it and the `?` list is drawn from it, so the two never disagree.
 */
export interface Shortcut {
  id: ShortcutId;
  /** `KeyboardEvent.key` values, letters in lower case; the first is the one the list shows first. */
  keys: readonly string[];
  /** Where it works, as the list says it. */
  where: string;
  /** What it does. */
  action: string;
  /** Held down, it repeats (stepping through latents); a toggle does not. */
  repeats: boolean;
}

export type ShortcutId = 'next-latent' | 'previous-latent' | 'play-scrubber' | 'toggle-steering' | 'shortcut-help';

export const SHORTCUTS: readonly Shortcut[] = [
  { id: 'next-latent', keys: ['j', 'ArrowRight'], where: 'Latents page', action: 'Open the next latent in the list’s order', repeats: true },
  { id: 'previous-latent', keys: ['k', 'ArrowLeft'], where: 'Latents page', action: 'Open the previous latent in the list’s order', repeats: true },
  { id: 'play-scrubber', keys: [' ', 'p'], where: 'A latent’s page', action: 'Play or pause the step scrubber', repeats: false },
  { id: 'toggle-steering', keys: ['s'], where: 'Steer page', action: 'Show the unsteered image in the Steered frame, or the steered one again (a blink comparison)', repeats: false },
  { id: 'shortcut-help', keys: ['?'], where: 'Everywhere', action: 'Open or close this list', repeats: false },
];

const KEY_NAMES: Record<string, string> = { ' ': 'Space', ArrowRight: '→', ArrowLeft: '←', ArrowUp: '↑', ArrowDown: '↓', Escape: 'Esc' };

/** A key as the list shows it: "Space", "→", "j". */
export function keyLabel(key: string): string {
  return KEY_NAMES[key] ?? key;
}
