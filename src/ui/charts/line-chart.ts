/**
 * A line chart as a D3 render function over plain data: several named
 * series of (x, y) points, axes, a legend, and every point in the DOM with
 * its value (`data-x`, `data-y`), so tests read back what is drawn.
 */
import * as d3 from 'd3';

export interface LineSeries {
  name: string;
  points: readonly (readonly [number, number])[];
  /** Dashed, e.g. the held-out twin of a training series. */
  dashed?: boolean;
  /** Series with the same colour key share a colour. */
  colorKey?: string;
}

export interface LineChartData {
  series: readonly LineSeries[];
  xLabel: string;
  yLabel: string;
  /** Tick text for x (default: the number). */
  xTick?: (x: number) => string;
  /** Only these x values get ticks (categorical axes). */
  xTicks?: readonly number[];
  /** Fixed y domain (default: the data's, padded). */
  yDomain?: readonly [number, number];
  /** Draw every point as a dot (few points) — default when a series has ≤ 20 points. */
  dots?: boolean;
}

const WIDTH = 520;
const HEIGHT = 240;
const MARGIN = { top: 12, right: 12, bottom: 40, left: 52 };

export function renderLineChart(svgElement: SVGSVGElement, data: LineChartData): void {
  const svg = d3.select(svgElement).attr('viewBox', `0 0 ${WIDTH} ${HEIGHT + 22 * Math.ceil(data.series.length / 3)}`).attr('role', 'img');
  svg.selectAll('*').remove();
  const all = data.series.flatMap((s) => s.points);
  if (all.length === 0) {
    svg.append('text').attr('x', WIDTH / 2).attr('y', HEIGHT / 2).attr('text-anchor', 'middle').attr('class', 'chart-empty').text('no data yet');
    return;
  }
  const xs = d3.extent(all, (p) => p[0]) as [number, number];
  const x = d3
    .scaleLinear()
    .domain(xs[0] === xs[1] ? [xs[0] - 1, xs[1] + 1] : xs)
    .range([MARGIN.left, WIDTH - MARGIN.right]);
  let yDomain = data.yDomain ? [...data.yDomain] : (d3.extent(all, (p) => p[1]) as [number, number]);
  if (!data.yDomain) {
    const pad = (yDomain[1] - yDomain[0]) * 0.08 || Math.abs(yDomain[0]) * 0.1 || 1;
    yDomain = [yDomain[0] - pad, yDomain[1] + pad];
  }
  const y = d3.scaleLinear().domain(yDomain).nice().range([HEIGHT - MARGIN.bottom, MARGIN.top]);
  const keys = [...new Set(data.series.map((s) => s.colorKey ?? s.name))];
  const color = d3.scaleOrdinal<string, string>().domain(keys).range(d3.schemeTableau10);

  const xAxis = d3.axisBottom(x).tickFormat((v) => (data.xTick ? data.xTick(Number(v)) : String(v)));
  if (data.xTicks) xAxis.tickValues([...data.xTicks]);
  else xAxis.ticks(6);
  svg.append('g').attr('class', 'axis').attr('transform', `translate(0,${HEIGHT - MARGIN.bottom})`).call(xAxis);
  svg.append('g').attr('class', 'axis').attr('transform', `translate(${MARGIN.left},0)`).call(d3.axisLeft(y).ticks(5));
  svg.append('text').attr('class', 'axis-label').attr('x', (MARGIN.left + WIDTH - MARGIN.right) / 2).attr('y', HEIGHT - 6).attr('text-anchor', 'middle').text(data.xLabel);
  svg.append('text').attr('class', 'axis-label').attr('transform', `translate(14,${(MARGIN.top + HEIGHT - MARGIN.bottom) / 2}) rotate(-90)`).attr('text-anchor', 'middle').text(data.yLabel);

  const line = d3
    .line<readonly [number, number]>()
    .defined((p) => Number.isFinite(p[1]))
    .x((p) => x(p[0]))
    .y((p) => y(p[1]));
  for (const s of data.series) {
    const c = color(s.colorKey ?? s.name);
    const g = svg.append('g').attr('class', 'series').attr('data-series', s.name);
    g.append('path').attr('d', line(s.points) ?? '').attr('fill', 'none').attr('stroke', c).attr('stroke-width', 2).attr('stroke-dasharray', s.dashed ? '5 4' : null);
    const dots = data.dots ?? s.points.length <= 20;
    g.selectAll('circle')
      .data(s.points.filter((p) => Number.isFinite(p[1])))
      .join('circle')
      .attr('cx', (p) => x(p[0]))
      .attr('cy', (p) => y(p[1]))
      .attr('r', dots ? 3.5 : 0)
      // A held-out series' dots are hollow: filled with the chart's background.
      .attr('fill', s.dashed ? 'var(--surface)' : c)
      .attr('stroke', c)
      .attr('data-x', (p) => p[0])
      .attr('data-y', (p) => p[1])
      .append('title')
      .text((p) => `${s.name}: ${data.xTick ? data.xTick(p[0]) : p[0]} → ${p[1].toPrecision(4)}`);
  }

  // Legend below the plot, three entries per row.
  const legend = svg.append('g').attr('class', 'legend').attr('transform', `translate(${MARGIN.left},${HEIGHT + 4})`);
  data.series.forEach((s, i) => {
    const item = legend.append('g').attr('transform', `translate(${(i % 3) * 160},${Math.floor(i / 3) * 20})`);
    item.append('line').attr('x1', 0).attr('x2', 22).attr('y1', 6).attr('y2', 6).attr('stroke', color(s.colorKey ?? s.name)).attr('stroke-width', 2).attr('stroke-dasharray', s.dashed ? '5 4' : null);
    item.append('text').attr('x', 28).attr('y', 10).text(s.name);
  });
}
