import { Component, Fragment, type ReactNode } from 'react';
import { useLab } from '../state/store';

interface ErrorBoundaryProps {
  /** What it holds, as the user knows it ("Steer page", "Steering results"): the fallback's title and the banner's source. */
  label: string;
  /**
   * Clears the state the content draws from (a result whose images are gone, say),
   * so that it can start again: offered as "Reset this page" beside Retry. The
   * project's saved files are never touched.
   */
  onReset?: () => void;
  children: ReactNode;
}

interface ErrorBoundaryState {
  error: Error | null;
  /** Bumped by Retry: the content mounts afresh (new state, effects run again). */
  attempt: number;
}

/**
 * One page or panel that failed while rendering shows its error, what to do
 * and a way back, instead of blanking the whole lab: the navigation and the
 * other pages keep working. The error also goes to the banner, the one place
 * every failure reaches (to copy into a report).
 */
export class ErrorBoundary extends Component<ErrorBoundaryProps, ErrorBoundaryState> {
  override state: ErrorBoundaryState = { error: null, attempt: 0 };

  static getDerivedStateFromError(error: unknown): Partial<ErrorBoundaryState> {
    return { error: error instanceof Error ? error : new Error(String(error)) };
  }

  override componentDidCatch(error: unknown): void {
    useLab.getState().reportError(this.props.label, error);
  }

  private readonly retry = () => this.setState((s) => ({ error: null, attempt: s.attempt + 1 }));

  private readonly reset = () => {
    this.props.onReset?.();
    this.retry();
  };

  override render(): ReactNode {
    const { error, attempt } = this.state;
    const { label, onReset, children } = this.props;
    if (!error) return <Fragment key={attempt}>{children}</Fragment>;
    return (
      <section className="panel" role="alert" data-testid="error-boundary" data-label={label}>
        <header className="panel-header">
          <h2>{label} stopped with an error</h2>
        </header>
        <p className="error-text" data-testid="error-boundary-message">
          {error.message}
        </p>
        <p className="muted">
          Retry draws it again.{onReset ? ' If the error comes back, Reset this page clears what it was showing and starts it afresh.' : ''} The other pages still work (the list on the left), and reloading keeps your projects: they are saved in this browser. The message is also in the banner at the top.
        </p>
        <div className="form-row">
          <button type="button" className="primary" onClick={this.retry} data-testid="error-boundary-retry">
            Retry
          </button>
          {onReset && (
            <button type="button" className="secondary" onClick={this.reset} data-testid="error-boundary-reset">
              Reset this page
            </button>
          )}
        </div>
      </section>
    );
  }
}
