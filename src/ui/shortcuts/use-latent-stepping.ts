import { useRef } from 'react';
import { useShortcut } from './use-shortcut';

/**
 * Next / previous latent (j k, → ←) in the list's order as sorted and
 * filtered; from a latent the filter hides, the first or last shown. The
 * returned ref goes on the list's scrolling element, which is scrolled so
 * the newly opened row is in view (`rowHeight` px a row).
 */
export function useLatentStepping(order: readonly number[], selected: number | null, onSelect: (k: number) => void, rowHeight: number) {
  const rows = useRef<HTMLDivElement>(null);
  const step = (by: 1 | -1) => {
    if (order.length === 0) return;
    const at = selected === null ? -1 : order.indexOf(selected);
    const next = at < 0 ? (by > 0 ? 0 : order.length - 1) : Math.min(order.length - 1, Math.max(0, at + by));
    onSelect(order[next]);
    const list = rows.current;
    if (!list) return;
    const top = next * rowHeight;
    if (top < list.scrollTop) list.scrollTop = top;
    else if (top + rowHeight > list.scrollTop + list.clientHeight) list.scrollTop = top + rowHeight - list.clientHeight;
  };
  useShortcut('next-latent', () => step(1));
  useShortcut('previous-latent', () => step(-1));
  return rows;
}
