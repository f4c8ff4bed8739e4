import type { LatentCoFiringStatus } from '../../state/latents-slice';
import type { LatentTable } from '../../sae/latent-table';

/** The latents that co-fire with this one, as links (like its nearest latents), with how the score was measured. */
export function CoFiringList({ status, table, latent, onSelect }: { status: LatentCoFiringStatus | null; table: LatentTable; latent: number; onSelect: (k: number) => void }) {
  if (!status || status.state === 'loading') return <dd className="muted" data-testid="cofiring" data-state="loading">encoding its sampled firing images with every latent…</dd>;
  if (status.state === 'none') return <dd className="muted" data-testid="cofiring" data-state="none">none: {status.reason}</dd>;
  if (status.state === 'failed') return <dd className="muted" data-testid="cofiring" data-state="failed">not measured: {status.reason}</dd>;
  const firing = table.spatial?.fireImages[latent] ?? status.images.length;
  return (
    <dd data-testid="cofiring" data-state="ready" data-images={status.images.join(',')}>
      <span className="neighbours">
        {status.index.length === 0 && <span className="muted">no latent fires on any of its tokens</span>}
        {Array.from(status.index, (j, i) => (
          <button
            type="button"
            className="link"
            key={j}
            onClick={() => onSelect(j)}
            data-testid="cofiring-latent"
            data-latent={j}
            data-jaccard={status.jaccard[i]}
            title={`Jaccard ${status.jaccard[i].toFixed(3)} · P(#${j} fires | #${latent} fires) = ${status.conditional[i].toFixed(3)} · lift ${status.lift[i].toFixed(2)}× over #${j}’s firing rate`}
          >
            #{j} ({status.jaccard[i].toFixed(2)})
          </button>
        ))}
      </span>
      <span className="muted small cofiring-note">
        Jaccard index of the two latents’ firing tokens (1: the same tokens); the overlap from its {status.rows} firing tokens in {status.exhaustive ? `all ${firing} images where it fires (exact)` : `a random ${status.images.length} of the ${firing} images where it fires (estimated)`}. Hover for P(j | k) and its lift.
      </span>
    </dd>
  );
}
