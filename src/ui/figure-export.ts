/**
 * Figures out of the page: a D3 chart (an <svg>) as a standalone SVG file,
 * and a grid of canvases (the heatmap small multiples) composed into one PNG.
 */
import { encodePng } from '../data/png';

/** The chart's SVG with its computed text styling inlined, so it renders the same outside the page. */
export function svgFile(svg: SVGSVGElement): Blob {
  const copy = svg.cloneNode(true) as SVGSVGElement;
  copy.setAttribute('xmlns', 'http://www.w3.org/2000/svg');
  copy.setAttribute('font-family', getComputedStyle(svg).fontFamily);
  copy.setAttribute('font-size', getComputedStyle(svg).fontSize);
  // CSS variables mean nothing in a file: resolve the accent colour the sparkline and axes use.
  const accent = getComputedStyle(document.documentElement).getPropertyValue('--accent').trim() || '#2c5cc5';
  copy.querySelectorAll('[stroke="var(--accent)"]').forEach((e) => e.setAttribute('stroke', accent));
  copy.querySelectorAll('[fill="var(--accent)"]').forEach((e) => e.setAttribute('fill', accent));
  return new Blob([new XMLSerializer().serializeToString(copy)], { type: 'image/svg+xml' });
}

/** Canvases in rows (each row the same count) side by side with a gap, as one PNG at their own resolution. */
export async function canvasGridPng(rows: HTMLCanvasElement[][], gap = 2): Promise<Blob> {
  const cellW = Math.max(...rows.flat().map((c) => c.width));
  const cellH = Math.max(...rows.flat().map((c) => c.height));
  const cols = Math.max(...rows.map((r) => r.length));
  const width = cols * cellW + (cols - 1) * gap;
  const height = rows.length * cellH + (rows.length - 1) * gap;
  const out = new OffscreenCanvas(width, height);
  const g = out.getContext('2d')!;
  g.fillStyle = '#ffffff';
  g.fillRect(0, 0, width, height);
  rows.forEach((row, r) => row.forEach((c, i) => g.drawImage(c, i * (cellW + gap), r * (cellH + gap))));
  const pixels = g.getImageData(0, 0, width, height);
  return new Blob([(await encodePng({ width, height, data: pixels.data })) as Uint8Array<ArrayBuffer>], { type: 'image/png' });
}
