import { useState } from 'react';
import type { LatentMaps } from '../../state/latents-slice';
import { useLab } from '../../state/store';
import type { LatentTable } from '../../sae/latent-table';
import { D3Chart } from '../charts/D3Chart';
import { renderHeatmapLegend } from '../charts/heatmap-overlay';
import { HeatmapFocus } from './HeatmapFocus';
import { HeatmapGrid, type HeatmapView } from './HeatmapGrid';
import { RandomExamples } from './RandomExamples';
import { useHeatmapMax } from './use-heatmap-max';
import { useProjectImages, useProjectPreviews } from './use-project-image';
import type { StepScrubber } from './use-step-scrubber';

const NONE: number[] = [];
const NO_MAPS = new Float32Array(0);

/**
 * Where and when the latent lives: the spatiotemporal heatmap
 * H_k[s, p] = f_k(n, p)·‖v_k[s]‖ as small multiples over its top images,
 * step s drawn over the image's preview at step s (or over the final
 * image), with a step scrubber that plays through the steps on a large
 * panel, and the same over random images among those it fires on.
 */
export function LatentHeatmaps({ projectId, table, latent, profile, maps, loading, prompts, scrubber }: {
  projectId: string;
  table: LatentTable;
  latent: number;
  /** [S] ‖v_k[s]‖. */
  profile: Float32Array;
  maps: LatentMaps | null;
  loading: boolean;
  prompts: readonly string[];
  scrubber: StepScrubber;
}) {
  const { S, P } = table;
  const { step, setStep, playing, setPlaying } = scrubber;
  const mine = maps?.latent === latent ? maps : null;
  const images = mine?.images ?? NONE;
  const decoded = useProjectImages(projectId, images);
  const previews = useProjectPreviews(projectId, images, S);
  const examples = useLab((s) => (s.latentExamples?.latent === latent ? s.latentExamples : null));
  const random = examples?.state === 'ready' ? examples : null;
  const randomImages = random?.images ?? NONE;
  const randomDecoded = useProjectImages(projectId, randomImages);
  const randomPreviews = useProjectPreviews(projectId, randomImages, S);
  const withPreviews = previews?.filter((p) => p !== null).length ?? 0;
  const [base, setBase] = useState<'previews' | 'final'>('previews');
  // The image on the large panel: one of the top images (the first by default) or of the random ones.
  const [focus, setFocus] = useState<{ set: 'top' | 'random'; n: number } | null>(null);
  const focusRandom = focus?.set === 'random' && random !== null && randomDecoded !== null && randomPreviews !== null && randomImages.includes(focus.n);
  const focusIndex = focusRandom ? randomImages.indexOf(focus!.n) : Math.max(0, focus?.set === 'top' ? images.indexOf(focus.n) : 0);
  const max = useHeatmapMax(mine?.maps ?? null, random?.maps ?? null, profile);
  const view: HeatmapView = { table, profile, max, step, onStep: setStep, prompts };
  const onPanel = focusRandom ? { images: randomImages, decoded: randomDecoded, previews: randomPreviews, maps: random!.maps } : { images, decoded, previews, maps: mine?.maps ?? NO_MAPS };

  return (
    <>
      <h3>Where and when: H_k[s, p] = f_k(n, p) · ‖v_k[s]‖ on its top images</h3>
      {loading && <p className="muted">Encoding its top images…</p>}
      {!loading && mine && images.length === 0 && <p className="muted">This latent never fired on the collected images.</p>}
      {!loading && !mine && (
        // The maps job stopped (its error is in the banner, or the interrupted line above): nothing says the latent never fired.
        <p className="muted" data-testid="maps-missing">
          Its maps were not made: the job that encodes its top images stopped.{' '}
          <button type="button" className="secondary" onClick={() => useLab.getState().selectLatent(latent)} data-testid="maps-retry">
            Make them again
          </button>
        </p>
      )}
      {images.length > 0 && decoded && previews && (
        <>
          <div className="scrubber">
            <button type="button" className="secondary" onClick={() => setPlaying((p) => !p)} data-testid="scrubber-play">
              {playing ? 'Pause' : 'Play'}
            </button>
            <input type="range" min={0} max={S - 1} value={step} onChange={(e) => setStep(Number(e.target.value))} data-testid="step-scrubber" aria-label="recorded step" />
            <span data-testid="scrubber-step">
              step {step + 1} of {S} (UNet call {table.stepIndices[step]})
            </span>
            <D3Chart render={renderHeatmapLegend} data={{ max, label: 'H_k[s, p]' }} label="colour scale" className="legend-chart" />
          </div>
          {withPreviews > 0 ? (
            <div className="heatmap-base" role="radiogroup" aria-label="under the heatmap">
              <span className="muted small">Under the heatmap:</span>
              <label>
                <input type="radio" name={`heatmap-base-${latent}`} checked={base === 'previews'} onChange={() => setBase('previews')} data-testid="heatmap-base-previews" /> the image at that step (preview)
              </label>
              <label>
                <input type="radio" name={`heatmap-base-${latent}`} checked={base === 'final'} onChange={() => setBase('final')} data-testid="heatmap-base-final" /> the final image
              </label>
              {withPreviews < images.length && <span className="muted small">({images.length - withPreviews} of these images have no previews: they show the final image)</span>}
            </div>
          ) : (
            <p className="muted small" data-testid="no-previews">
              Every step shows the final image: per-step previews are saved by a new collection (these images were collected before they were, or with a model without a preview map).
            </p>
          )}
          <div className="heatmap-layout">
            <HeatmapFocus
              n={onPanel.images[focusIndex]}
              image={onPanel.decoded![focusIndex]}
              frames={base === 'previews' ? onPanel.previews![focusIndex] : null}
              f={onPanel.maps.subarray(focusIndex * P, (focusIndex + 1) * P)}
              norm={profile[step]}
              table={table}
              max={max}
              step={step}
              prompt={prompts[onPanel.images[focusIndex]]}
              kind={focusRandom ? 'random example' : 'top image'}
            />
            <HeatmapGrid
              testId="heatmaps"
              rowTestId="heatmap"
              images={images}
              decoded={decoded}
              previews={base === 'previews' ? previews : null}
              maps={mine!.maps}
              view={view}
              focused={focusRandom ? null : focusIndex}
              onFocus={(n) => setFocus({ set: 'top', n })}
            />
          </div>
          <RandomExamples
            latent={latent}
            examples={examples}
            decoded={randomDecoded}
            previews={randomPreviews}
            base={base}
            view={view}
            focused={focusRandom ? focusIndex : null}
            onFocus={(n) => setFocus({ set: 'random', n })}
          />
        </>
      )}
    </>
  );
}
