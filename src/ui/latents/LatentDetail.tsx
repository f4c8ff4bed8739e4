import { useMemo } from 'react';
import type { LatentMaps } from '../../state/latents-slice';
import type { LatentTable } from '../../sae/latent-table';
import { LatentCharts } from './LatentCharts';
import { LatentFacts } from './LatentFacts';
import { LatentHeader } from './LatentHeader';
import { LatentHeatmaps } from './LatentHeatmaps';
import { StepHistogramsPanel } from './StepHistogramsPanel';
import { useStepScrubber } from './use-step-scrubber';
import { useShortcut } from '../shortcuts/use-shortcut';
import { ErrorBoundary } from '../ErrorBoundary';

/**
 * One latent's page: its label and numbers (LatentFacts), where and when it
 * lives (LatentHeatmaps: the spatiotemporal heatmap over its top and random
 * images, with a step scrubber), its temporal profile and activation
 * histogram (LatentCharts), and that histogram per step (StepHistogramsPanel,
 * highlighting the scrubber's step).
 */
export function LatentDetail({ projectId, table, latent, maps, loading, prompts, attributes, onSelect, onSteer }: {
  projectId: string;
  /** Each image's known attribute values (the toy's grid), for AUROCs. */
  attributes: readonly Record<string, string>[] | undefined;
  table: LatentTable;
  latent: number;
  maps: LatentMaps | null;
  loading: boolean;
  prompts: readonly string[];
  onSelect: (k: number) => void;
  onSteer: (k: number) => void;
}) {
  const { S } = table;
  const profile = useMemo(() => table.profile.subarray(latent * S, (latent + 1) * S), [table, latent, S]);
  const scrubber = useStepScrubber(S);
  useShortcut('play-scrubber', () => scrubber.setPlaying((p) => !p));
  return (
    <section className="panel" data-testid="latent-detail" data-latent={latent}>
      <LatentHeader table={table} latent={latent} prompts={prompts} onSteer={onSteer} />
      {/* Each panel fails on its own, with Retry; the rest of the page keeps working. */}
      <ErrorBoundary label="Latent facts">
        <LatentFacts table={table} latent={latent} attributes={attributes} onSelect={onSelect} />
      </ErrorBoundary>
      <ErrorBoundary label="Latent heatmaps">
        <LatentHeatmaps projectId={projectId} table={table} latent={latent} profile={profile} maps={maps} loading={loading} prompts={prompts} scrubber={scrubber} />
      </ErrorBoundary>
      <ErrorBoundary label="Latent charts">
        <LatentCharts table={table} latent={latent} profile={profile} />
      </ErrorBoundary>
      <ErrorBoundary label="Per-step histograms">
        <StepHistogramsPanel table={table} latent={latent} step={scrubber.step} />
      </ErrorBoundary>
    </section>
  );
}
