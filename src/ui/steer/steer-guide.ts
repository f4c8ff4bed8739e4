/**
 * Where steering becomes visible, read off a sweep: the smallest strength
 * (by size) at which an image's mean RGB change from the unsteered image
 * reaches VISIBLE_CHANGE of 255, or the probe reads an attribute
 * differently. The Steer page's guide line quotes it for the model and hook
 * the sweep ran on.
 */
import type { AttributeReading } from '../../diffusion/attribute-probe';

/** Mean |Δ| (0–255) from which a change counts as visible. */
export const VISIBLE_CHANGE = 5;

interface Cell {
  window: string;
  strength: number;
  pixelChange: number;
  reading: Record<string, AttributeReading> | null;
}

/** Whether a cell's probe reading differs from the unsteered one (its strength-0 cell) in any attribute. */
export function readingChanged(cell: Cell, unsteered: Cell | undefined): boolean {
  if (!cell.reading || !unsteered?.reading) return false;
  return Object.keys(cell.reading).some((a) => cell.reading![a].value !== unsteered.reading![a]?.value);
}

/** The smallest |strength| with a visible change, and in which window; null when no image of the sweep changed visibly. */
export function visibleFrom(cells: readonly Cell[]): { strength: number; window: string } | null {
  let best: { strength: number; window: string } | null = null;
  for (const cell of cells) {
    const unsteered = cells.find((c) => c.window === cell.window && c.strength === 0);
    const visible = cell.pixelChange >= VISIBLE_CHANGE || readingChanged(cell, unsteered);
    if (visible && cell.strength !== 0 && (!best || Math.abs(cell.strength) < Math.abs(best.strength))) best = { strength: Math.abs(cell.strength), window: cell.window };
  }
  return best;
}
