/** A sparkline as a D3 render function: one small line over equally spaced values (a latent's temporal profile). */
import * as d3 from 'd3';

const WIDTH = 80;
const HEIGHT = 20;

export function renderSparkline(svgElement: SVGSVGElement, values: ArrayLike<number>): void {
  const data = Array.from(values);
  const svg = d3.select(svgElement).attr('viewBox', `0 0 ${WIDTH} ${HEIGHT}`).attr('width', WIDTH).attr('height', HEIGHT);
  svg.selectAll('*').remove();
  if (data.length === 0) return;
  const x = d3.scaleLinear().domain([0, Math.max(1, data.length - 1)]).range([2, WIDTH - 2]);
  const y = d3.scaleLinear().domain([0, d3.max(data) || 1]).range([HEIGHT - 2, 2]);
  const line = d3.line<number>().x((_, i) => x(i)).y((v) => y(v));
  svg.append('path').attr('d', line(data) ?? '').attr('fill', 'none').attr('stroke', 'var(--accent)').attr('stroke-width', 1.5);
  svg.selectAll('circle').data(data).join('circle').attr('cx', (_, i) => x(i)).attr('cy', (v) => y(v)).attr('r', 1.6).attr('fill', 'var(--accent)');
}
