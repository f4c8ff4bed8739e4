import type { LatentTable } from '../../sae/latent-table';
import { D3Chart } from '../charts/D3Chart';
import { renderStepHistograms } from '../charts/step-histograms';
import { useStepHistograms } from './use-step-histograms';

/** The latent's activation histogram at each recorded step, the scrubber's step highlighted. */
export function StepHistogramsPanel({ table, latent, step }: { table: LatentTable; latent: number; step: number }) {
  const histograms = useStepHistograms(table, latent, step);
  return (
    <>
      <h3>Activation histogram per step</h3>
      <p className="muted small">
        The SAE reads a token’s whole trajectory, so f_k(n, p) has one value per token; at step s it adds f_k(n, p) · v_k[s] to the activation, of size H_k[s, p] = f_k(n, p) · ‖v_k[s]‖. Each panel counts the
        tokens where the latent fires by that size at one step (over all {table.tokens} tokens; the end bins are open): the overall histogram with its edges scaled by ‖v_k[s]‖.
      </p>
      {'data' in histograms ? (
        <D3Chart render={renderStepHistograms} data={histograms.data} testId="latent-step-histograms" label="activation histogram per step" className="chart chart-wide" />
      ) : (
        <p className="muted" data-testid="step-histograms-status">
          No per-step histograms: {histograms.reason}.
        </p>
      )}
    </>
  );
}
