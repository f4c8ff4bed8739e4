import { useLab } from '../state/store';

/** The one place errors reach the user: device loss, GPU validation/OOM errors, failed actions. */
export function ErrorBanner() {
  const banner = useLab((s) => s.banner);
  const dismiss = useLab((s) => s.dismissError);
  if (banner.length === 0) return null;
  return (
    <div className="banner" role="alert" data-testid="error-banner">
      {banner.map((entry) => (
        <div className="banner-entry" key={entry.id}>
          <strong>{entry.source}</strong>
          <span className="banner-message">
            {entry.message}
            {entry.hint && <span className="banner-hint"> {entry.hint}</span>}
          </span>
          {entry.count > 1 && <span className="tag">×{entry.count}</span>}
          <button type="button" className="link" onClick={() => dismiss(entry.id)} aria-label="Dismiss">
            Dismiss
          </button>
        </div>
      ))}
    </div>
  );
}
