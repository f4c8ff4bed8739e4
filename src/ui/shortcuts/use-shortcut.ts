import { useEffect, useLayoutEffect, useRef } from 'react';
import { bindShortcut } from './shortcut-dispatch';
import type { ShortcutId } from './shortcut-table';

/** Binds a shortcut while the component is mounted; the latest `run` is the one a press calls, so it sees the latest state. */
export function useShortcut(id: ShortcutId, run: () => void): void {
  const latest = useRef(run);
  useLayoutEffect(() => {
    latest.current = run;
  });
  useEffect(() => bindShortcut(id, () => latest.current()), [id]);
}
