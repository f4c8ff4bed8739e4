import type { LatentExamples } from '../../state/latents-slice';
import type { DecodedImage } from '../../state/project-images';
import { useLab } from '../../state/store';
import { HeatmapGrid, type HeatmapView } from './HeatmapGrid';

/**
 * Random activating examples: images drawn (seeded: "Draw again" takes the
 * next seed) from the latent's random sample of firing images, as small
 * multiples like the top images, on the same colour scale.
 */
export function RandomExamples({ latent, examples, decoded, previews, base, view, focused, onFocus }: {
  latent: number;
  examples: LatentExamples | null;
  decoded: (DecodedImage | null)[] | null;
  /** Per image its S previews (null where it has none); null until read. */
  previews: (DecodedImage[] | null)[] | null;
  base: 'previews' | 'final';
  view: HeatmapView;
  focused: number | null;
  onFocus: (n: number) => void;
}) {
  const { table } = view;
  const seed = examples?.seed ?? 0;
  const firing = table.spatial?.fireImages[latent] ?? 0;
  const sampled = table.spatial ? Math.min(firing, table.spatial.sampleSize) : 0;
  const drawn = examples && examples.state !== 'none' ? examples.images.length : 0;
  return (
    <div className="random-examples" data-testid="random-examples" data-state={examples?.state ?? 'loading'} data-seed={seed} data-images={examples?.state === 'ready' ? examples.images.join(',') : ''}>
      <div className="random-examples-header">
        <h3>Random activating examples</h3>
        <span className="muted small">
          {examples?.state === 'none'
            ? examples.measuring
              ? `These statistics predate the random sample of firing images: measuring it over every token (once, then saved): ${examples.measuring.done} of ${examples.measuring.total} tokens…`
              : `None: ${examples.reason}.`
            : `${drawn} images drawn at random (seed ${seed}) from ${sampled === firing ? `all ${firing}` : `a uniform sample of ${sampled} of the ${firing}`} images where it fires`}
        </span>
        <button
          type="button"
          className="secondary"
          disabled={examples?.state !== 'ready' || sampled <= drawn}
          onClick={() => useLab.getState().drawLatentExamples(latent, seed + 1)}
          data-testid="redraw-examples"
          title={sampled <= drawn ? 'every image it fires on is shown' : 'draw another set (the next seed)'}
        >
          Draw again
        </button>
      </div>
      {examples?.state === 'loading' && <p className="muted">Encoding the drawn images…</p>}
      {examples?.state === 'ready' && decoded && previews && (
        <HeatmapGrid
          testId="random-heatmaps"
          rowTestId="random-heatmap"
          images={examples.images}
          decoded={decoded}
          previews={base === 'previews' ? previews : null}
          maps={examples.maps}
          view={view}
          focused={focused}
          onFocus={onFocus}
        />
      )}
    </div>
  );
}
