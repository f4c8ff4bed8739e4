/**
 * A latent's heatmap over an image, as a render function onto a canvas: the
 * image, darkened, with the map H[p] (height × width positions, upsampled
 * to the image's pixels) drawn in a D3 sequential colour scale whose alpha
 * follows the value. The values themselves go into `data-values` (and the
 * colour scale's top into `data-max`) so tests read back what is drawn.
 */
import * as d3 from 'd3';

export interface HeatmapOverlayData {
  image: { width: number; height: number; rgba: Uint8ClampedArray };
  /** [height · width] map values, row-major. */
  values: ArrayLike<number>;
  height: number;
  width: number;
  /** Value drawn at full colour (shared by the panels of one figure). */
  max: number;
}

/** Inferno: perceptually uniform and monotone in lightness, so it reads the same on the image in either theme and in greyscale. */
export const heatmapColor = d3.interpolateInferno;

/** The overlay's pixels (RGBA, the image's size): what `renderHeatmapOverlay` draws, without a canvas (tests compute it in Node). */
export function heatmapOverlayPixels(data: HeatmapOverlayData): Uint8ClampedArray<ArrayBuffer> {
  const { image, values, height, width, max } = data;
  const out = new Uint8ClampedArray(image.width * image.height * 4);
  for (let y = 0; y < image.height; y++) {
    for (let x = 0; x < image.width; x++) {
      const p = Math.min(height - 1, Math.floor((y * height) / image.height)) * width + Math.min(width - 1, Math.floor((x * width) / image.width));
      const t = max > 0 ? Math.min(1, values[p] / max) : 0;
      const c = d3.rgb(heatmapColor(t));
      const i = (y * image.width + x) * 4;
      const a = 0.85 * t;
      out[i] = (1 - a) * 0.55 * image.rgba[i] + a * c.r;
      out[i + 1] = (1 - a) * 0.55 * image.rgba[i + 1] + a * c.g;
      out[i + 2] = (1 - a) * 0.55 * image.rgba[i + 2] + a * c.b;
      out[i + 3] = 255;
    }
  }
  return out;
}

export function renderHeatmapOverlay(canvas: HTMLCanvasElement, data: HeatmapOverlayData): void {
  const { image, values, max } = data;
  canvas.width = image.width;
  canvas.height = image.height;
  canvas.getContext('2d')!.putImageData(new ImageData(heatmapOverlayPixels(data), image.width, image.height), 0, 0);
  canvas.dataset.values = Array.from(values, (v) => Number(v.toPrecision(6))).join(',');
  canvas.dataset.max = String(max);
}

/** The colour scale's legend: a gradient from 0 to `max` with its label. */
export function renderHeatmapLegend(svgElement: SVGSVGElement, data: { max: number; label: string }): void {
  const width = 240;
  const svg = d3.select(svgElement).attr('viewBox', `0 0 ${width} 46`).attr('width', width).attr('height', 46);
  svg.selectAll('*').remove();
  const id = `legend-${Math.random().toString(36).slice(2)}`;
  const gradient = svg.append('defs').append('linearGradient').attr('id', id);
  for (let i = 0; i <= 10; i++) gradient.append('stop').attr('offset', `${i * 10}%`).attr('stop-color', heatmapColor(i / 10));
  // Framed: the scale starts near black, which would melt into a dark theme's background.
  svg.append('rect').attr('x', 8).attr('y', 4).attr('width', width - 16).attr('height', 10).attr('fill', `url(#${id})`).attr('stroke', 'var(--muted)').attr('stroke-width', 0.5);
  const x = d3.scaleLinear().domain([0, data.max]).range([8, width - 8]);
  svg.append('g').attr('class', 'axis').attr('transform', 'translate(0,14)').call(d3.axisBottom(x).ticks(4).tickSize(3));
  svg.append('text').attr('class', 'axis-label').attr('x', width / 2).attr('y', 42).attr('text-anchor', 'middle').text(data.label);
}
