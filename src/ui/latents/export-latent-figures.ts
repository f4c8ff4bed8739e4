import { downloadBlob } from '../download';
import { canvasGridPng, svgFile } from '../figure-export';

/** The charts exported as SVG, by test id (the file is named after the id). */
const CHARTS = ['latent-profile', 'latent-histogram', 'latent-step-histograms'];

/** The latent page's figures as drawn: the heatmap small multiples (PNG, one row per image of S steps) and its charts (SVG). */
export async function exportLatentFigures(latent: number, S: number): Promise<void> {
  const grid = document.querySelector('[data-testid="heatmaps"]');
  const canvases = grid ? [...grid.querySelectorAll('canvas')] : [];
  if (canvases.length > 0) {
    const rows = Array.from({ length: Math.ceil(canvases.length / S) }, (_, r) => canvases.slice(r * S, (r + 1) * S));
    downloadBlob(await canvasGridPng(rows), `latent-${latent}-heatmaps.png`);
  }
  for (const id of CHARTS) {
    const svg = document.querySelector<SVGSVGElement>(`[data-testid="${id}"]`);
    if (svg) downloadBlob(svgFile(svg), `latent-${latent}-${id.replace('latent-', '')}.svg`);
  }
}
