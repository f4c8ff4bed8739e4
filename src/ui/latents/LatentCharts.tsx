import { useMemo } from 'react';
import type { LatentTable } from '../../sae/latent-table';
import { D3Chart } from '../charts/D3Chart';
import { renderGroupedBars, type GroupedBarsData } from '../charts/grouped-bars';
import { renderLineChart, type LineChartData } from '../charts/line-chart';

/** The latent's temporal profile ‖v_k[s]‖ over the recorded steps and its overall activation histogram. */
export function LatentCharts({ table, latent, profile }: { table: LatentTable; latent: number; profile: Float32Array }) {
  const { S, stepIndices, histogramEdges, histogramCounts } = table;
  const profileChart = useMemo<LineChartData>(
    () => ({ xLabel: 'recorded step (UNet call)', yLabel: '‖v_k[s]‖', xTicks: Array.from({ length: S }, (_, s) => s + 1), xTick: (s) => String(stepIndices[s - 1] ?? s), series: [{ name: '‖v_k[s]‖', points: Array.from(profile, (v, s) => [s + 1, v] as const) }] }),
    [profile, S, stepIndices],
  );
  const histogram = useMemo<GroupedBarsData>(() => {
    const bins = histogramEdges.length - 1;
    return {
      categories: Array.from({ length: bins }, (_, b) => histogramEdges[b].toPrecision(2)),
      series: [{ name: 'tokens', values: Array.from(histogramCounts.subarray(latent * bins, (latent + 1) * bins)) }],
      xLabel: 'activation (bin start, log-spaced)',
      yLabel: 'tokens',
      format: (v) => String(Math.round(v)),
    };
  }, [histogramEdges, histogramCounts, latent]);
  return (
    <div className="chart-grid">
      <D3Chart render={renderLineChart} data={profileChart} testId="latent-profile" label="temporal profile" />
      <D3Chart render={renderGroupedBars} data={histogram} testId="latent-histogram" label="activation histogram" />
    </div>
  );
}
