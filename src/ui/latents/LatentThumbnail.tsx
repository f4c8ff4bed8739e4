import { useMemo } from 'react';
import type { LatentLabels } from '../../analysis/latent-labels';
import type { LatentTable } from '../../sae/latent-table';
import { renderHeatmapOverlay } from '../charts/heatmap-overlay';
import { RenderedCanvas } from '../charts/RenderedCanvas';
import { useThumbnailImage } from './use-thumbnail-image';

/** Pixels the thumbnail is drawn at (twice its CSS size, for sharp screens). */
const PIXELS = 64;

/**
 * Latent k's top image with its heatmap over it, drawn as the latent page
 * draws its heatmaps: H = f_k(n, p)·‖v_k[s]‖ at the step where ‖v_k[s]‖ is
 * largest, on the page's colour scale up to its own maximum. Drawn again
 * only when the image, the labels or the latent change (not as the list scrolls).
 */
export function LatentThumbnail({ projectId, table, labels, k, image, title }: { projectId: string; table: LatentTable; labels: LatentLabels; k: number; image: number; title: string }) {
  const decoded = useThumbnailImage(projectId, image, PIXELS);
  const data = useMemo(() => {
    if (!decoded) return null;
    const norm = Math.max(...table.profile.subarray(k * table.S, (k + 1) * table.S));
    const values = Array.from(labels.topMap.subarray(k * labels.P, (k + 1) * labels.P), (v) => v * norm);
    return { image: decoded, values, height: table.height, width: table.width, max: Math.max(0, ...values) };
  }, [decoded, labels, table, k]);
  if (!data) return <span className="latent-thumb" aria-hidden />;
  return <RenderedCanvas render={renderHeatmapOverlay} data={data} className="latent-thumb" testId="latent-thumb" title={title} attributes={{ image }} />;
}
