import { useMemo } from 'react';
import { renderHeatmapOverlay } from '../charts/heatmap-overlay';
import { RenderedCanvas } from '../charts/RenderedCanvas';
import { useThumbnailImage } from './use-thumbnail-image';

/** Pixels the thumbnail is drawn at (twice its CSS size, for sharp screens). */
const PIXELS = 64;

/**
 * A latent's top image with its heatmap over it, drawn as the latent page
 * draws its heatmaps: H = f_k(n, p)·‖v_k[s]‖ at the step where ‖v_k[s]‖ is
 * largest, on the page's colour scale up to its own maximum.
 */
export function LatentThumbnail({ projectId, image, map, norm, height, width, title }: {
  projectId: string;
  image: number;
  /** [P] f_k(n, p) on the image. */
  map: Float32Array;
  /** max_s ‖v_k[s]‖. */
  norm: number;
  height: number;
  width: number;
  title: string;
}) {
  const decoded = useThumbnailImage(projectId, image, PIXELS);
  const data = useMemo(() => {
    if (!decoded) return null;
    const values = Array.from(map, (v) => v * norm);
    return { image: decoded, values, height, width, max: Math.max(0, ...values) };
  }, [decoded, map, norm, height, width]);
  if (!data) return <span className="latent-thumb" aria-hidden />;
  return <RenderedCanvas render={renderHeatmapOverlay} data={data} className="latent-thumb" testId="latent-thumb" title={title} attributes={{ image }} />;
}
