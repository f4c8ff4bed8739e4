import { useMemo } from 'react';
import type { DecodedImage } from '../../state/project-images';
import type { LatentTable } from '../../sae/latent-table';
import { renderHeatmapOverlay } from '../charts/heatmap-overlay';
import { RenderedCanvas } from '../charts/RenderedCanvas';

/** The chosen image at the scrubber's step, large: step s's heatmap over step s's preview (or the final image). */
export function HeatmapFocus({ n, image, frames, f, norm, table, max, step, prompt, kind }: {
  n: number;
  image: DecodedImage | null;
  frames: DecodedImage[] | null;
  f: Float32Array;
  norm: number;
  table: LatentTable;
  max: number;
  step: number;
  prompt: string | undefined;
  kind: 'top image' | 'random example';
}) {
  const under = frames ? frames[step] : image;
  const data = useMemo(() => (under ? { image: under, values: Array.from(f, (v) => v * norm), height: table.height, width: table.width, max } : null), [under, f, norm, table.height, table.width, max]);
  return (
    <figure className="heatmap-focus">
      {data ? (
        <RenderedCanvas render={renderHeatmapOverlay} data={data} className="pixelated" testId="heatmap-focus" attributes={{ image: n, step, base: frames ? 'preview' : 'final', kind }} title={prompt} />
      ) : (
        <span className="muted small">image {n} was not saved</span>
      )}
      <figcaption className="muted small">
        #{n} ({kind}) at step {step + 1} (UNet call {table.stepIndices[step]}), over {frames ? 'its preview at that step' : 'the final image'}
        {prompt && <span className="heatmap-prompt">“{prompt}”</span>}
      </figcaption>
    </figure>
  );
}
