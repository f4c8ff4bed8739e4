import { useMemo } from 'react';
import { latentWords } from '../../analysis/latent-labels';
import type { LatentTable } from '../../sae/latent-table';
import { exportLatentFigures } from './export-latent-figures';
import { FeatureIcon } from './FeatureIcon';

/** The latent page's title: its id, a label from the prompt words enriched in its top images, its figures, its feature icon and the way to steer with it. */
export function LatentHeader({ table, latent, prompts, onSteer }: { table: LatentTable; latent: number; prompts: readonly string[]; onSteer: (k: number) => void }) {
  const label = useMemo(() => latentWords(prompts, table, latent), [prompts, table, latent]);
  return (
    <header className="panel-header">
      <h2>Latent #{latent}</h2>
      <span className="muted" data-testid="latent-label">
        {label.length ? `enriched: ${label.map((w) => `${w.word} (${Math.round(100 * w.topShare)}% vs ${Math.round(100 * w.allShare)}%)`).join(', ')}` : 'no enriched prompt words'}
      </span>
      <button type="button" className="secondary" onClick={() => void exportLatentFigures(latent, table.S)} data-testid="export-latent-figures" title="the heatmaps as PNG, the profile and histograms as SVG">
        Export figures
      </button>
      <FeatureIcon latent={latent} />
      <button type="button" className="primary" onClick={() => onSteer(latent)} data-testid="steer-with-latent">
        Steer with it →
      </button>
    </header>
  );
}
