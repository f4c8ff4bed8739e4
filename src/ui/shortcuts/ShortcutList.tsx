import { useEffect, useRef } from 'react';
import { isShortcutBound } from './shortcut-dispatch';
import { keyLabel, SHORTCUTS } from './shortcut-table';
import './shortcuts.css';

/**
 * Every shortcut from the table, as a modal dialog: focus moves to its Close
 * button and back where it was when it closes (Esc, Close, or `?` again);
 * shortcuts the open page does not offer are shown dimmed.
 */
export function ShortcutList({ onClose }: { onClose: () => void }) {
  const ref = useRef<HTMLDialogElement>(null);
  useEffect(() => {
    const dialog = ref.current!;
    const before = document.activeElement instanceof HTMLElement ? document.activeElement : null;
    // A modal <dialog> makes the page behind it inert and keeps Tab inside.
    if (!dialog.open) dialog.showModal();
    dialog.querySelector<HTMLElement>('[data-autofocus]')?.focus();
    return () => {
      if (dialog.open) dialog.close();
      before?.focus();
    };
  }, []);
  return (
    <dialog
      ref={ref}
      role="dialog"
      aria-modal="true"
      aria-labelledby="shortcut-list-title"
      className="shortcut-list"
      data-testid="shortcut-list"
      // Esc: the dialog closes through the page's state, not on its own.
      onCancel={(e) => {
        e.preventDefault();
        onClose();
      }}
      onKeyDown={(e) => {
        if (e.key !== 'Escape') return;
        e.preventDefault();
        onClose();
      }}
    >
      <header className="panel-header">
        <h2 id="shortcut-list-title">Keyboard shortcuts</h2>
        <button type="button" className="secondary" onClick={onClose} data-autofocus data-testid="shortcut-list-close">
          Close
        </button>
      </header>
      <table className="results">
        <thead>
          <tr>
            <th>Keys</th>
            <th>Does</th>
            <th>Where</th>
          </tr>
        </thead>
        <tbody>
          {SHORTCUTS.map((s) => {
            const here = isShortcutBound(s.id);
            return (
              <tr key={s.id} className={here ? '' : 'unavailable'} data-testid="shortcut-row" data-shortcut={s.id} data-available={here}>
                <td className="nowrap">
                  {s.keys.map((k, i) => (
                    <span key={k}>
                      {i > 0 && ' or '}
                      <kbd>{keyLabel(k)}</kbd>
                    </span>
                  ))}
                </td>
                <td>{s.action}</td>
                <td className="muted">
                  {s.where}
                  {!here && ' (not open)'}
                </td>
              </tr>
            );
          })}
        </tbody>
      </table>
      <p className="muted small">Shortcuts wait while you type in a field or move a slider; Space and Enter still press the focused button.</p>
    </dialog>
  );
}
