import { useLab } from '../state/store';

/**
 * Whether a page's flow has GPU pipelines left to compile at the project's
 * sizes. Most were compiled at start (KernelStatus); when the page found
 * nothing new to compile the line stays out of sight, keeping its state for
 * whoever reads it.
 */
export function PrewarmLine({ flow }: { flow: 'fit' | 'train' }) {
  const status = useLab((s) => s.prewarm[flow]);
  if (!status || status.state === 'failed') return null;
  const nothingNew = status.state === 'ready' ? status.compiled === 0 : status.total === 0;
  return (
    <p className="muted small" data-testid={`prewarm-${flow}`} data-state={status.state} hidden={nothingNew}>
      {status.state === 'compiling'
        ? `Compiling the GPU kernels for these settings in the background${status.total ? ` (${status.compiled} of ${status.total})` : ''}…`
        : `GPU kernels ready (${status.compiled} compiled in ${status.seconds.toFixed(1)} s)`}
    </p>
  );
}

/** The header's note on the kernels compiled once per page load, in idle time after the model is ready. */
export function KernelStatus() {
  const kernels = useLab((s) => s.kernels);
  if (kernels.state === 'idle' || kernels.state === 'failed') return null;
  const text = kernels.state === 'ready' ? 'GPU kernels ready' : `compiling GPU kernels${kernels.total ? ` ${kernels.compiled}/${kernels.total}` : '…'}`;
  return (
    <span
      className="kernel-status muted small"
      data-testid="kernel-status"
      data-state={kernels.state}
      data-compiled={kernels.state === 'ready' ? kernels.compiled : undefined}
      title={kernels.state === 'ready' ? `${kernels.pipelines} pipelines for fitting and training, compiled in ${kernels.seconds.toFixed(1)} s after the model loaded` : 'the pipelines fitting and training use, compiled ahead so their first click does not wait'}
    >
      {text}
    </span>
  );
}
