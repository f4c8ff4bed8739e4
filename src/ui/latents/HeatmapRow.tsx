import { useMemo } from 'react';
import type { DecodedImage } from '../../state/project-images';
import type { LatentTable } from '../../sae/latent-table';
import { renderHeatmapOverlay } from '../charts/heatmap-overlay';
import { RenderedCanvas } from '../charts/RenderedCanvas';

/** One image's row of small multiples: its caption, then H_k[s, p] at each recorded step over the image (or its preview at that step). */
export function HeatmapRow({ n, image, frames, f, profile, table, max, step, focused, onFocus, prompt, testId }: {
  n: number;
  image: DecodedImage | null;
  /** The image's previews [S] (heatmap s over preview s), or null for the final image under every step. */
  frames: DecodedImage[] | null;
  f: Float32Array;
  profile: Float32Array;
  table: LatentTable;
  max: number;
  step: number;
  focused: boolean;
  onFocus: () => void;
  prompt: string | undefined;
  /** Prefix of the row's test ids: `${testId}-row-${n}`, `${testId}-${n}-${s}`. */
  testId: string;
}) {
  const panels = useMemo(
    () => (image ? Array.from(profile, (norm, s) => ({ image: frames ? frames[s] : image, values: Array.from(f, (v) => v * norm), height: table.height, width: table.width, max })) : []),
    [image, frames, f, profile, table.height, table.width, max],
  );
  return (
    <>
      <button type="button" className={`heatmap-caption link ${focused ? 'current' : ''}`} title={`show #${n} large: ${prompt ?? ''}`} onClick={onFocus} data-testid={`${testId}-row-${n}`}>
        #{n}
        {prompt && <span className="heatmap-prompt">{prompt}</span>}
      </button>
      {image ? (
        panels.map((data, s) => (
          <RenderedCanvas
            key={s}
            render={renderHeatmapOverlay}
            data={data}
            className={`heatmap pixelated ${s === step ? 'current' : ''}`}
            testId={`${testId}-${n}-${s}`}
            attributes={{ base: frames ? 'preview' : 'final' }}
            title={`image ${n}, step ${s + 1} over ${frames ? 'its preview at that step' : 'the final image'}: ${prompt ?? ''}`}
          />
        ))
      ) : (
        <span className="muted small" style={{ gridColumn: 'span 999' }}>
          image {n} was not saved
        </span>
      )}
    </>
  );
}
