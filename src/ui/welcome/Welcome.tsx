import { useEffect, useState } from 'react';
import { formatSeconds } from '../../data/format';
import { EXAMPLE } from '../../state/example-slice';
import type { StageId } from '../../state/stage-status';
import { useLab } from '../../state/store';
import { exampleProgress, type ExampleProgressView } from './example-progress';
import './welcome.css';

/**
 * The first screen: what the lab does, in two sentences, and one click that
 * runs the whole method on the bundled toy model and lands on its latents.
 */
export function Welcome({ onOpen }: { onOpen: (stage: StageId) => void }) {
  const example = useLab((s) => s.example);
  const running = example.state === 'running';
  return (
    <section className="panel welcome" data-testid="welcome">
      <div className="welcome-text">
        <h2>See what a diffusion model computes, step by step</h2>
        <p data-testid="welcome-summary">
          Trajectory Lab records a text-to-image model’s activations at several steps of denoising and trains a sparse autoencoder on how they change, so each latent is a feature with a place in the image and a time in the run. You browse every latent as a spatiotemporal map and steer new images with it, all in this tab on your own GPU.
        </p>
      </div>
      {running ? (
        <ExampleProgress />
      ) : (
        <div className="welcome-actions">
          <button type="button" className="primary large" onClick={() => void useLab.getState().runExample()} data-testid="run-example">
            {example.state === 'done' ? 'Run the example again' : 'Run the example'}
          </button>
          <span className="muted small">
            {EXAMPLE.images} images of the bundled toy model’s attribute grid → fit → SAE with {EXAMPLE.sae.latents} latents, then its best latents. A few minutes, even on a software-emulated GPU (no graphics card).
          </span>
          <button type="button" className="link" onClick={() => onOpen('prompts')} data-testid="own-prompts">
            or start with your own prompts →
          </button>
        </div>
      )}
      {example.state === 'done' && (
        <p className="muted small" data-testid="example-done">
          The example ran in {formatSeconds(example.seconds)}.{' '}
          <button type="button" className="link" onClick={() => onOpen('latents')}>
            Open its latents
          </button>
        </p>
      )}
      {example.state === 'cancelled' && <p className="muted small" data-testid="example-cancelled">The example was cancelled; what it finished is kept in the “Toy example” project.</p>}
      {example.state === 'failed' && (
        <p className="error-text" data-testid="example-failed">
          The example stopped: {example.reason}
        </p>
      )}
    </section>
  );
}

/** The running example: each stage, the running one's own progress, the whole run's and its time left; Cancel. */
function ExampleProgress() {
  const view = useExampleProgress();
  if (!view) return null;
  return (
    <div className="example-progress" data-testid="example-progress">
      <ol className="example-stages">
        {view.stages.map((st) => (
          <li key={st.id} className={`example-stage ${st.state}`} data-testid={`example-stage-${st.id}`} data-state={st.state}>
            <span className="example-mark" aria-hidden>
              {st.state === 'done' ? '✓' : st.state === 'running' ? '●' : '○'}
            </span>
            <span className="example-label">{st.label}</span>
            {st.state === 'running' && (
              <span className="example-now">
                <progress value={st.fraction ?? undefined} max={1} />
                <span className="muted small" data-testid="example-detail">
                  {st.detail}
                </span>
              </span>
            )}
          </li>
        ))}
      </ol>
      <div className="progress-line example-overall">
        <progress value={view.fraction} max={1} data-testid="example-overall" />
        <span className="muted small" data-testid="example-eta">
          {Math.round(100 * view.fraction)}% · {view.etaSeconds === null ? 'estimating the time left…' : `about ${formatSeconds(view.etaSeconds)} left`}
        </span>
        <button type="button" className="secondary" onClick={() => useLab.getState().cancelExample()} data-testid="cancel-example">
          Cancel
        </button>
      </div>
    </div>
  );
}

/** The progress view, redrawn as the store changes and every second (the time left moves with the clock). */
function useExampleProgress(): ExampleProgressView | null {
  const [now, setNow] = useState(() => performance.now());
  useEffect(() => {
    const tick = setInterval(() => setNow(performance.now()), 1000);
    return () => clearInterval(tick);
  }, []);
  // The whole state (a stable reference between changes): the view reads several slices.
  const state = useLab((s) => s);
  return exampleProgress(state, now);
}
