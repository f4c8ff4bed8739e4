import { useLab } from '../state/store';

/** Whether a flow's GPU pipelines are compiled yet (they compile when its page opens). */
export function PrewarmLine({ flow }: { flow: 'fit' | 'train' }) {
  const status = useLab((s) => s.prewarm[flow]);
  if (!status || status.state === 'failed') return null;
  return (
    <p className="muted small" data-testid={`prewarm-${flow}`} data-state={status.state}>
      {status.state === 'compiling' ? 'Compiling the GPU kernels in the background…' : `GPU kernels ready (${status.pipelines} compiled in ${status.seconds.toFixed(1)} s)`}
    </p>
  );
}
