import { formatBytes } from '../../data/format';
import type { TransferProgress } from '../../state/model-slice';
import { useLab } from '../../state/store';

/** A model load's progress: its stage, bytes read of the total, speed and time left. */
export function ModelLoadProgress({ progress }: { progress: TransferProgress | null }) {
  if (!progress) return <p className="muted">Starting…</p>;
  const fraction = progress.total ? progress.loaded / progress.total : null;
  return (
    <div className="progress-line" data-testid="model-progress">
      <progress value={fraction ?? undefined} max={1} />
      <span>
        {progress.stage}
        {progress.loaded > 0 && ` — ${formatBytes(progress.loaded)}${progress.total ? ` of ${formatBytes(progress.total)}` : ''}`}
        {progress.bytesPerSecond > 0 && `, ${formatBytes(progress.bytesPerSecond)}/s`}
        {progress.etaSeconds !== null && progress.etaSeconds > 0 && `, ${Math.ceil(progress.etaSeconds)} s left`}
      </span>
    </div>
  );
}

/**
 * What a page that needs the model shows before it is there: while a load
 * runs, that it is loading and how far; otherwise `instruction` (what to do).
 */
export function NeedsModel({ instruction, waiting = 'Loading the model… this page opens when it is ready.' }: { instruction: string; waiting?: string }) {
  const model = useLab((s) => s.model);
  if (model.state !== 'loading') return <p className="muted">{instruction}</p>;
  return (
    <div data-testid="model-loading">
      <p className="muted">{waiting}</p>
      <ModelLoadProgress progress={model.progress} />
    </div>
  );
}
