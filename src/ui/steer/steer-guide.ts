/**
 * Where steering becomes visible, read off a sweep: the smallest strength
 * (by size) at which an image's mean RGB change from the unsteered image
 * reaches VISIBLE_CHANGE of 255. (A probe reading is no measure of it: an
 * unsteered reading near a tie flips at the smallest push.) The Steer page's
 * guide line quotes it for the model and hook the sweep ran on.
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

/** The smallest |strength| with a visible change, and in which window; null when no image of the sweep changed visibly. */
export function visibleFrom(cells: readonly Cell[]): { strength: number; window: string } | null {
  let best: { strength: number; window: string } | null = null;
  for (const cell of cells) {
    if (cell.pixelChange >= VISIBLE_CHANGE && cell.strength !== 0 && (!best || Math.abs(cell.strength) < best.strength)) best = { strength: Math.abs(cell.strength), window: cell.window };
  }
  return best;
}

/**
 * The attribute steering moved most in a sweep: the largest sum over images
 * of the biggest change in any value's probability from the unsteered
 * reading (the image's window's strength-0 image, or `unsteered`).
 */
export function mostMovedAttribute(cells: readonly Cell[], unsteered: Record<string, AttributeReading> | null): string | null {
  let best: { attribute: string; moved: number } | null = null;
  for (const attribute of Object.keys(cells.find((c) => c.reading)?.reading ?? {})) {
    let moved = 0;
    for (const cell of cells) {
      const before = cells.find((c) => c.window === cell.window && c.strength === 0)?.reading ?? unsteered;
      const after = cell.reading?.[attribute];
      if (!before || !after) continue;
      moved += Math.max(...Object.keys(after.probabilities).map((v) => Math.abs(after.probabilities[v] - before[attribute].probabilities[v])));
    }
    if (!best || moved > best.moved) best = { attribute, moved };
  }
  return best?.attribute ?? null;
}
