/**
 * Histograms as small multiples, one per recorded step, as a D3 render
 * function over plain data: each step has its own edges, drawn on one log x
 * scale (spanning the occupied bins of every step) and one count scale, so a
 * step's shift along x and its height compare at a glance. Each panel's
 * group carries its counts and edges (`data-step`, `data-counts`,
 * `data-edges`), so tests read back what is drawn.
 */
import * as d3 from 'd3';

export interface StepHistogramsData {
  /** [S][bins + 1] each step's edges, ascending and positive (log-spaced), or all 0 for a step whose values are all 0. The end bins are open. */
  edges: readonly ArrayLike<number>[];
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
  const columns = Math.max(1, Math.min(S, maxColumns));
  const rows = Math.max(1, Math.ceil(S / columns));
  const width = outer.left + columns * panelWidth + outer.right;
  const height = outer.top + rows * panelHeight + outer.bottom;
  // Drawn at most at its own size, so its 11 px text matches the page's.
  const svg = d3.select(svgElement).attr('viewBox', `0 0 ${width} ${height}`).attr('role', 'img').style('max-width', `${width}px`);
  svg.selectAll('*').remove();
  const domain = sharedDomain(data);
  if (S === 0 || !domain) {
    svg.append('text').attr('x', width / 2).attr('y', height / 2).attr('text-anchor', 'middle').attr('class', 'chart-empty').text('no data');
    return;
  }
  const [lo, hi] = domain;
  const x = d3.scaleLog().domain([lo, hi]).range([inner.left, panelWidth - inner.right]);
  const max = d3.max(data.counts.flat()) ?? 0;
  const y = d3
    .scaleLinear()
    .domain([0, max > 0 ? max : 1])
    .nice(3)
    .range([panelHeight - inner.bottom, inner.top]);
  // A few round ticks inside the domain (a log axis over < 1 decade has few powers of ten).
  const ticks = x.ticks(3).filter((t) => t >= lo && t <= hi);
  const tickValues = ticks.length >= 2 ? ticks.filter((_, i, all) => i % Math.ceil(all.length / 3) === 0) : [lo, Math.sqrt(lo * hi), hi];

  data.counts.forEach((row, s) => {
    const edges = data.edges[s];
    const panel = svg
      .append('g')
      .attr('class', `step-histogram${s === data.highlight ? ' current' : ''}`)
      .attr('transform', `translate(${outer.left + (s % columns) * panelWidth},${outer.top + Math.floor(s / columns) * panelHeight})`)
      .attr('data-step', s)
      .attr('data-counts', row.join(','))
      .attr('data-edges', Array.from(edges, (e) => Number(e.toPrecision(8))).join(','));
    panel
      .append('rect')
      .attr('class', 'panel-frame')
      .attr('x', inner.left)
      .attr('y', inner.top)
      .attr('width', panelWidth - inner.left - inner.right)
      .attr('height', panelHeight - inner.top - inner.bottom)
      .attr('fill', s === data.highlight ? 'var(--chart-highlight)' : 'none')
      .attr('stroke', s === data.highlight ? 'var(--accent)' : 'var(--border)');
    panel
      .append('text')
      .attr('class', 'panel-title')
      .attr('x', inner.left)
      .attr('y', inner.top - 5)
      .attr('font-weight', s === data.highlight ? 600 : 400)
      .text(data.titles[s] ?? `step ${s + 1}`);
    if (!(edges[0] > 0)) {
      panel
        .append('text')
        .attr('class', 'chart-empty')
        .attr('x', panelWidth / 2)
        .attr('y', (inner.top + panelHeight - inner.bottom) / 2)
        .attr('text-anchor', 'middle')
        .text('every value is 0');
    }
    row.forEach((count, b) => {
      // Only bins inside the shared domain: it spans every occupied bin, so the rest are empty.
      if (!(edges[b] >= lo && edges[b + 1] <= hi)) return;
      const x0 = x(edges[b]);
      const x1 = x(edges[b + 1]);
      panel
        .append('rect')
        .attr('x', x0 + 0.5)
        .attr('width', Math.max(0.5, x1 - x0 - 1))
        .attr('y', y(count))
        .attr('height', y(0) - y(count))
        .attr('fill', 'var(--chart-bar)')
        .attr('data-count', count)
        .append('title')
        .text(`${data.titles[s] ?? `step ${s + 1}`}: ${count} in [${fmt(edges[b])}, ${fmt(edges[b + 1])})`);
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

/**
 * The log x domain [lo, hi] over every step with positive edges: from the
 * lowest edge of an occupied bin to the highest (every bin where no step
 * has counts), or null when no step has positive edges.
 */
function sharedDomain(data: StepHistogramsData): [number, number] | null {
  let lo = Infinity;
  let hi = 0;
  let anyCounts = false;
  for (const row of data.counts) anyCounts ||= row.some((c) => c > 0);
  data.counts.forEach((row, s) => {
    const edges = data.edges[s];
    if (!edges || !(edges[0] > 0)) return;
    row.forEach((count, b) => {
      if (count === 0 && anyCounts) return;
      lo = Math.min(lo, edges[b]);
      hi = Math.max(hi, edges[b + 1]);
    });
  });
  return hi > lo ? [lo, hi] : null;
}

/** Two significant digits, no trailing zeros (0.0042, 1.3, 24). */
function fmt(v: number): string {
  return Number(v.toPrecision(2)).toString();
}
