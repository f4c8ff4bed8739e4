/**
 * A grouped bar chart as a D3 render function over plain data: one group per
 * category (e.g. a recorded step), one bar per series (e.g. an ablation arm),
 * each bar in the DOM with its value (`data-value`).
 */
import * as d3 from 'd3';

export interface GroupedBarsData {
  categories: readonly string[];
  series: readonly { name: string; values: readonly number[] }[];
  yLabel: string;
  xLabel: string;
  /** Tick and tooltip text of a value (default: 3 significant digits). */
  format?: (v: number) => string;
}

const WIDTH = 560;
const HEIGHT = 240;
const MARGIN = { top: 12, right: 12, bottom: 40, left: 56 };

export function renderGroupedBars(svgElement: SVGSVGElement, data: GroupedBarsData): void {
  const format = data.format ?? ((v: number) => v.toPrecision(3));
  const svg = d3.select(svgElement).attr('viewBox', `0 0 ${WIDTH} ${HEIGHT + 22 * Math.ceil(data.series.length / 2)}`).attr('role', 'img');
  svg.selectAll('*').remove();
  const x0 = d3.scaleBand().domain(data.categories).range([MARGIN.left, WIDTH - MARGIN.right]).paddingInner(0.2);
  const x1 = d3
    .scaleBand()
    .domain(data.series.map((s) => s.name))
    .range([0, x0.bandwidth()])
    .padding(0.08);
  const max = d3.max(data.series.flatMap((s) => s.values)) ?? 1;
  const y = d3
    .scaleLinear()
    .domain([0, max > 0 ? max : 1])
    .nice()
    .range([HEIGHT - MARGIN.bottom, MARGIN.top]);
  const color = d3.scaleOrdinal<string, string>().domain(data.series.map((s) => s.name)).range(d3.schemeTableau10);

  // Many categories (a histogram's bins): label every few, so the labels do not overlap.
  const every = Math.max(1, Math.ceil(data.categories.length / 10));
  svg
    .append('g')
    .attr('class', 'axis')
    .attr('transform', `translate(0,${HEIGHT - MARGIN.bottom})`)
    .call(d3.axisBottom(x0).tickValues(data.categories.filter((_, i) => i % every === 0)));
  svg.append('g').attr('class', 'axis').attr('transform', `translate(${MARGIN.left},0)`).call(d3.axisLeft(y).ticks(5).tickFormat((v) => format(Number(v))));
  svg.append('text').attr('class', 'axis-label').attr('x', (MARGIN.left + WIDTH - MARGIN.right) / 2).attr('y', HEIGHT - 6).attr('text-anchor', 'middle').text(data.xLabel);
  svg.append('text').attr('class', 'axis-label').attr('transform', `translate(14,${(MARGIN.top + HEIGHT - MARGIN.bottom) / 2}) rotate(-90)`).attr('text-anchor', 'middle').text(data.yLabel);

  data.categories.forEach((category, c) => {
    const group = svg.append('g').attr('transform', `translate(${x0(category)},0)`);
    for (const s of data.series) {
      const v = s.values[c];
      group
        .append('rect')
        .attr('x', x1(s.name) ?? 0)
        .attr('width', x1.bandwidth())
        .attr('y', y(Math.max(0, v)))
        .attr('height', Math.max(0, y(0) - y(Math.max(0, v))))
        .attr('fill', color(s.name))
        .attr('data-series', s.name)
        .attr('data-category', category)
        .attr('data-value', v)
        .append('title')
        .text(`${s.name}, ${category}: ${format(v)}`);
    }
  });

  const legend = svg.append('g').attr('class', 'legend').attr('transform', `translate(${MARGIN.left},${HEIGHT + 4})`);
  data.series.forEach((s, i) => {
    const item = legend.append('g').attr('transform', `translate(${(i % 2) * 230},${Math.floor(i / 2) * 20})`);
    item.append('rect').attr('width', 12).attr('height', 12).attr('fill', color(s.name));
    item.append('text').attr('x', 18).attr('y', 10).text(s.name);
  });
}
