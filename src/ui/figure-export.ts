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
  resolveThemeColours(copy);
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

const COLOUR_ATTRIBUTES = ['fill', 'stroke', 'stop-color'];

/**
 * The charts colour themselves with the theme's CSS variables (`var(--accent)`),
 * which mean nothing in a file: each becomes its value in the light theme, the
 * one a figure on paper needs, whatever theme the page shows.
 */
function resolveThemeColours(svg: SVGSVGElement): void {
  const light = document.createElement('div');
  light.dataset.theme = 'light';
  document.body.append(light);
  const style = getComputedStyle(light);
  for (const element of svg.querySelectorAll('*')) {
    for (const name of COLOUR_ATTRIBUTES) {
      const value = element.getAttribute(name);
      const variable = value && /^var\((--[\w-]+)\)$/.exec(value);
      if (variable) element.setAttribute(name, style.getPropertyValue(variable[1]).trim());
    }
  }
  light.remove();
}
