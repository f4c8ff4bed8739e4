import { useLab } from '../../state/store';
import { ImageCanvas } from '../ImageCanvas';

/** The latent steered onto the empty prompt (seed 0, α = 8·m_k): what it draws on its own. */
export function FeatureIcon({ latent }: { latent: number }) {
  const icon = useLab((s) => s.featureIcon);
  const mine = icon?.latent === latent ? icon : null;
  if (mine?.state === 'ready') return <ImageCanvas imageId={mine.imageId} className="feature-icon" testId="feature-icon" title={`latent ${latent} steered onto the empty prompt (α = 8·m_k, seed 0)`} />;
  return (
    <button type="button" className="secondary" disabled={mine?.state === 'running'} onClick={() => useLab.getState().makeFeatureIcon(latent)} data-testid="make-feature-icon" title="steer this latent onto the empty prompt">
      {mine?.state === 'running' ? 'Drawing…' : 'Feature icon'}
    </button>
  );
}
