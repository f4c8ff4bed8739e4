import { useEffect, useState } from 'react';
import { dispatchShortcut } from './shortcut-dispatch';
import { ShortcutList } from './ShortcutList';
import { useShortcut } from './use-shortcut';

/**
 * The lab's one keydown listener (it runs whatever shortcut the open page
 * bound), the header's `?` button and the list of shortcuts it opens.
 */
export function ShortcutKeys() {
  const [open, setOpen] = useState(false);
  useEffect(() => {
    const onKey = (event: KeyboardEvent) => void dispatchShortcut(event);
    window.addEventListener('keydown', onKey);
    return () => window.removeEventListener('keydown', onKey);
  }, []);
  useShortcut('shortcut-help', () => setOpen((o) => !o));
  return (
    <>
      <button type="button" className="header-button" onClick={() => setOpen(true)} aria-haspopup="dialog" aria-label="Keyboard shortcuts" title="Keyboard shortcuts (?)" data-testid="shortcut-help-button">
        ?
      </button>
      {open && <ShortcutList onClose={() => setOpen(false)} />}
    </>
  );
}
