/**
 * Histograms as small multiples, one per recorded step, as a D3 render
 * function over plain data: every panel on the same log x scale (the
 * steps' shared edges) and the same count scale, so a step's shift along
 * x and its height compare at a glance. Each panel's group carries its
 * counts (`data-step`, `data-counts`), the svg its edges (`data-edges`), so
 * tests read back what is drawn.
 */
import * as d3 from 'd3';

export interface StepHistogramsData {
  /** [bins + 1] ascending, positive (log-spaced): shared by every panel. The end bins are open. */
  edges: ArrayLike<number>;
  /** [S][bins] counts per step. */
  counts: readonly (readonly number[])[];
  /** Each panel's title (e.g. "step 2 · call 3"). */
  titles: readonly string[];
  xLabel: string;
  yLabel: string;
  /** A panel drawn highlighted (the scrubber's step). */
  highlight?: number;
}

export const STEP_HISTOGRAMS_DEFAULTS = {
  /** Panels per row before wrapping. */
  columns: 5,
  panelWidth: 150,
  panelHeight: 104,
  /** Inside each panel: room for its title (top) and its x ticks (bottom). */
  inner: { top: 18, right: 8, bottom: 22, left: 8 },
  /** Around the grid: the shared y axis (left) and the x label (bottom). */
  outer: { left: 52, bottom: 22, top: 2, right: 6 },
};

export function renderStepHistograms(svgElement: SVGSVGElement, data: StepHistogramsData): void {
  const { columns: maxColumns, panelWidth, panelHeight, inner, outer } = STEP_HISTOGRAMS_DEFAULTS;
  const S = data.counts.length;
  const bins = data.edges.length - 1;
  const columns = Math.max(1, Math.min(S, maxColumns));
  const rows = Math.max(1, Math.ceil(S / columns));
  const width = outer.left + columns * panelWidth + outer.right;
  const height = outer.top + rows * panelHeight + outer.bottom;
  // Drawn at most at its own size, so its 11 px text matches the page's.
  const svg = d3.select(svgElement).attr('viewBox', `0 0 ${width} ${height}`).attr('role', 'img').style('max-width', `${width}px`);
  svg.selectAll('*').remove();
  svg.attr('data-edges', Array.from(data.edges, (e) => Number(e.toPrecision(8))).join(','));
  if (S === 0 || bins < 1) {
    svg.append('text').attr('x', width / 2).attr('y', height / 2).attr('text-anchor', 'middle').attr('class', 'chart-empty').text('no data');
    return;
  }
  const lo = data.edges[0];
  const hi = data.edges[bins];
  const x = d3.scaleLog().domain([lo, hi]).range([inner.left, panelWidth - inner.right]);
  const max = d3.max(data.counts.flat()) ?? 0;
  const y = d3
    .scaleLinear()
    .domain([0, max > 0 ? max : 1])
    .nice(3)
    .range([panelHeight - inner.bottom, inner.top]);
  // A few round ticks inside the edges (a log axis over < 1 decade has few powers of ten).
  const ticks = x.ticks(3).filter((t) => t >= lo && t <= hi);
  const tickValues = ticks.length >= 2 ? ticks.filter((_, i, all) => i % Math.ceil(all.length / 3) === 0) : [lo, Math.sqrt(lo * hi), hi];

  data.counts.forEach((row, s) => {
    const panel = svg
      .append('g')
      .attr('class', `step-histogram${s === data.highlight ? ' current' : ''}`)
      .attr('transform', `translate(${outer.left + (s % columns) * panelWidth},${outer.top + Math.floor(s / columns) * panelHeight})`)
      .attr('data-step', s)
      .attr('data-counts', row.join(','));
    panel
      .append('rect')
      .attr('class', 'panel-frame')
      .attr('x', inner.left)
      .attr('y', inner.top)
      .attr('width', panelWidth - inner.left - inner.right)
      .attr('height', panelHeight - inner.top - inner.bottom)
      .attr('fill', s === data.highlight ? 'rgba(44, 92, 197, 0.07)' : 'none')
      .attr('stroke', s === data.highlight ? 'var(--accent)' : '#dfe3ea');
    panel
      .append('text')
      .attr('class', 'panel-title')
      .attr('x', inner.left)
      .attr('y', inner.top - 5)
      .attr('font-weight', s === data.highlight ? 600 : 400)
      .text(data.titles[s] ?? `step ${s + 1}`);
    row.forEach((count, b) => {
      const x0 = x(data.edges[b]);
      const x1 = x(data.edges[b + 1]);
      panel
        .append('rect')
        .attr('x', x0 + 0.5)
        .attr('width', Math.max(0.5, x1 - x0 - 1))
        .attr('y', y(count))
        .attr('height', y(0) - y(count))
        .attr('fill', '#4e79a7')
        .attr('data-count', count)
        .append('title')
        .text(`${data.titles[s] ?? `step ${s + 1}`}: ${count} in [${fmt(data.edges[b])}, ${fmt(data.edges[b + 1])})`);
    });
    panel
      .append('g')
      .attr('class', 'axis')
      .attr('transform', `translate(0,${panelHeight - inner.bottom})`)
      .call(d3.axisBottom(x).tickValues(tickValues).tickFormat((v) => fmt(Number(v))).tickSize(3));
    if (s % columns === 0) {
      panel
        .append('g')
        .attr('class', 'axis')
        .attr('transform', `translate(${inner.left},0)`)
        .call(d3.axisLeft(y).ticks(3).tickFormat(d3.format('~d')).tickSize(3));
    }
  });

  svg
    .append('text')
    .attr('class', 'axis-label')
    .attr('x', outer.left + (columns * panelWidth) / 2)
    .attr('y', height - 4)
    .attr('text-anchor', 'middle')
    .text(data.xLabel);
  svg
    .append('text')
    .attr('class', 'axis-label')
    .attr('transform', `translate(14,${outer.top + (rows * panelHeight) / 2}) rotate(-90)`)
    .attr('text-anchor', 'middle')
    .text(data.yLabel);
}

/** Two significant digits, no trailing zeros (0.0042, 1.3, 24). */
function fmt(v: number): string {
  return Number(v.toPrecision(2)).toString();
}
