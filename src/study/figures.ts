/**
 * The study's figures as render functions over plain data (Observable Plot's
 * habit): line charts in panels, a table heatmap, and spatiotemporal heatmap
 * strips over images. Each returns a Raster; the caller encodes it as PNG.
 */
import { BLACK, GRAY, LIGHT_GRAY, Raster, WHITE, type Rgb } from './raster';

/** Tableau 10's first colours: distinguishable, and common in papers' plots. */
export const PALETTE: readonly Rgb[] = [
  [31, 119, 180],
  [255, 127, 14],
  [44, 160, 44],
  [214, 39, 40],
  [148, 103, 189],
  [140, 86, 75],
];

export interface Series {
  label: string;
  color: Rgb;
  points: readonly (readonly [number, number])[];
  dashed?: boolean;
}

export interface LinePanel {
  title: string;
  xLabel: string;
  yLabel: string;
  /** Tick positions and their labels on the x axis (the x range is theirs). */
  xTicks: readonly { value: number; label: string }[];
  /** y range; default from the data, padded. */
  yRange?: readonly [number, number];
  series: readonly Series[];
}

export const LINE_DEFAULTS = { panelWidth: 300, panelHeight: 200, margin: { left: 46, right: 12, top: 24, bottom: 34 }, legendRow: 12 };

/** Panels side by side with one legend below (each label once, dashed shown dashed). */
export function lineChart(panels: readonly LinePanel[], options: Partial<typeof LINE_DEFAULTS> = {}): Raster {
  const { panelWidth, panelHeight, margin, legendRow } = { ...LINE_DEFAULTS, ...options };
  const legend = uniqueBy(panels.flatMap((p) => p.series), (s) => `${s.label}|${s.dashed ? 1 : 0}`);
  const columnWidth = Math.max(...legend.map((s) => Raster.textWidth(s.label))) + 40;
  const legendColumns = Math.max(1, Math.floor((panelWidth * panels.length) / columnWidth));
  const legendHeight = Math.ceil(legend.length / legendColumns) * legendRow + 8;
  const r = new Raster(panelWidth * panels.length, panelHeight + legendHeight);
  panels.forEach((panel, i) => {
    const x0 = i * panelWidth + margin.left, y0 = margin.top;
    const w = panelWidth - margin.left - margin.right, h = panelHeight - margin.top - margin.bottom;
    const xs = panel.xTicks.map((t) => t.value);
    const [xMin, xMax] = [Math.min(...xs), Math.max(...xs)];
    const ys = panel.series.flatMap((s) => s.points.map((p) => p[1])).filter(Number.isFinite);
    const [yMin, yMax] = panel.yRange ?? paddedRange(ys);
    const px = (x: number) => x0 + (xMax > xMin ? ((x - xMin) / (xMax - xMin)) * w : w / 2);
    const py = (y: number) => y0 + h - ((Math.min(yMax, Math.max(yMin, y)) - yMin) / (yMax - yMin)) * h;
    // Axes, grid and ticks.
    for (const t of niceTicks(yMin, yMax, 5)) {
      r.line(x0, py(t), x0 + w, py(t), LIGHT_GRAY);
      r.text(x0 - 4, py(t) - 3, formatTick(t), BLACK, { align: 'right' });
    }
    for (const t of panel.xTicks) r.text(px(t.value), y0 + h + 5, t.label, BLACK, { align: 'center' });
    r.line(x0, y0, x0, y0 + h, BLACK);
    r.line(x0, y0 + h, x0 + w, y0 + h, BLACK);
    r.text(x0 + w / 2, 6, panel.title, BLACK, { align: 'center' });
    r.text(x0 + w / 2, y0 + h + 17, panel.xLabel, GRAY, { align: 'center' });
    r.verticalText(i * panelWidth + 4, y0 + h / 2, panel.yLabel, GRAY);
    for (const s of panel.series) {
      const pts = s.points.filter((p) => Number.isFinite(p[1]));
      for (let j = 1; j < pts.length; j++) r.line(px(pts[j - 1][0]), py(pts[j - 1][1]), px(pts[j][0]), py(pts[j][1]), s.color, { width: 2, dash: s.dashed ? [5, 4] : undefined });
      for (const p of pts) r.dot(px(p[0]), py(p[1]), 2, s.color);
    }
  });
  legend.forEach((s, j) => {
    const x = (j % legendColumns) * columnWidth + 10, y = panelHeight + 4 + Math.floor(j / legendColumns) * legendRow;
    r.line(x, y + 3, x + 18, y + 3, s.color, { width: 2, dash: s.dashed ? [4, 3] : undefined });
    r.text(x + 24, y, s.label);
  });
  return r;
}

export interface TableHeatmap {
  title: string;
  rows: readonly string[];
  columns: readonly string[];
  /** [rows][columns]; NaN cells are left blank. */
  values: readonly (readonly number[])[];
  /** Colour scale range. */
  range: readonly [number, number];
  format: (v: number) => string;
  /** Cells at or above this value get a frame. */
  mark?: number;
}

/** A table whose cells are coloured by value, with the value written in. */
export function tableHeatmap(t: TableHeatmap): Raster {
  const cellW = Math.max(64, ...t.columns.map((c) => Raster.textWidth(c) + 8)), cellH = 14;
  const labelW = Math.max(...t.rows.map((row) => Raster.textWidth(row))) + 12;
  const top = 30;
  const r = new Raster(labelW + cellW * t.columns.length + 10, top + cellH * t.rows.length + 10);
  r.text(6, 4, t.title);
  t.columns.forEach((c, j) => r.text(labelW + j * cellW + cellW / 2, top - 11, c, BLACK, { align: 'center' }));
  t.rows.forEach((row, i) => {
    const y = top + i * cellH;
    r.text(labelW - 6, y + 4, row, BLACK, { align: 'right' });
    t.columns.forEach((_, j) => {
      const v = t.values[i][j];
      const x = labelW + j * cellW;
      if (Number.isFinite(v)) {
        const u = (v - t.range[0]) / (t.range[1] - t.range[0]);
        const color = colorRamp(u);
        r.fillRect(x, y, cellW - 1, cellH - 1, color);
        r.text(x + cellW / 2, y + 4, t.format(v), luminance(color) > 140 ? BLACK : WHITE, { align: 'center' });
        if (t.mark !== undefined && v >= t.mark) r.strokeRect(x, y, cellW - 2, cellH - 2, BLACK);
      }
    });
  });
  return r;
}

export interface HeatmapExample {
  title: string;
  /** The generated image (RGBA). */
  image: { width: number; height: number; data: ArrayLike<number> };
  /** H[s, p] on the hook's grid, [S, gridH·gridW]. */
  heat: Float32Array;
  gridW: number;
  gridH: number;
  stepLabels: readonly string[];
}

/**
 * One row per example: the image, then one panel per recorded step with
 * H_k[s, p] = f_k(n, p)·‖v_k[s]‖ over the dimmed image, a shared colour scale per
 * row (its maximum written at the end).
 */
export function heatmapStrips(examples: readonly HeatmapExample[], scale = 2): Raster {
  const size = examples[0].image.width * scale;
  const S = examples[0].stepLabels.length;
  const rowH = size + 26;
  const r = new Raster((S + 1) * (size + 6) + 70, examples.length * rowH + 6);
  examples.forEach((ex, row) => {
    const y = row * rowH + 16;
    r.text(4, y - 12, ex.title);
    r.blit(ex.image, 4, y, scale);
    const max = Math.max(1e-12, ...ex.heat);
    for (let s = 0; s < S; s++) {
      const x = 4 + (s + 1) * (size + 6);
      r.blit(ex.image, x, y, scale);
      r.fillRect(x, y, size, size, BLACK, 0.55);
      for (let yy = 0; yy < size; yy++) {
        for (let xx = 0; xx < size; xx++) {
          const p = Math.floor((yy / size) * ex.gridH) * ex.gridW + Math.floor((xx / size) * ex.gridW);
          const u = ex.heat[s * ex.gridW * ex.gridH + p] / max;
          if (u > 0) r.pixel(x + xx, y + yy, colorRamp(u), 0.35 + 0.6 * u);
        }
      }
      r.text(x + size / 2, y + size + 2, ex.stepLabels[s], BLACK, { align: 'center' });
    }
    r.text(4 + (S + 1) * (size + 6), y + size / 2 - 3, `MAX ${formatTick(max)}`);
  });
  return r;
}

/** A dark-to-bright ramp (after matplotlib's inferno), u in [0, 1]. */
export function colorRamp(u: number): Rgb {
  const stops: Rgb[] = [[0, 0, 4], [87, 16, 110], [188, 55, 84], [249, 142, 9], [252, 255, 164]];
  const t = Math.min(1, Math.max(0, Number.isFinite(u) ? u : 0)) * (stops.length - 1);
  const i = Math.min(stops.length - 2, Math.floor(t));
  const f = t - i;
  return [0, 1, 2].map((c) => Math.round(stops[i][c] * (1 - f) + stops[i + 1][c] * f)) as unknown as Rgb;
}

function luminance([r, g, b]: Rgb): number {
  return 0.299 * r + 0.587 * g + 0.114 * b;
}

function paddedRange(values: number[]): [number, number] {
  if (values.length === 0) return [0, 1];
  const lo = Math.min(...values), hi = Math.max(...values);
  const pad = hi > lo ? (hi - lo) * 0.08 : Math.max(1e-3, Math.abs(hi) * 0.1);
  return [lo - pad, hi + pad];
}

/** About `count` round tick values inside [lo, hi]. */
export function niceTicks(lo: number, hi: number, count: number): number[] {
  const raw = (hi - lo) / Math.max(1, count);
  const magnitude = 10 ** Math.floor(Math.log10(raw));
  const step = [1, 2, 5, 10].map((m) => m * magnitude).find((s) => s >= raw) ?? 10 * magnitude;
  const ticks: number[] = [];
  for (let t = Math.ceil(lo / step) * step; t <= hi + step * 1e-9; t += step) ticks.push(Math.abs(t) < step * 1e-9 ? 0 : t);
  return ticks;
}

function formatTick(v: number): string {
  if (v === 0) return '0';
  const a = Math.abs(v);
  return a >= 100 ? v.toFixed(0) : a >= 1 ? String(Number(v.toPrecision(3))) : a >= 0.001 ? String(Number(v.toPrecision(2))) : v.toExponential(0);
}

function uniqueBy<T>(items: readonly T[], key: (item: T) => string): T[] {
  const seen = new Set<string>();
  return items.filter((item) => !seen.has(key(item)) && (seen.add(key(item)), true));
}
