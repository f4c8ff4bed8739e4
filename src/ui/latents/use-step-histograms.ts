import { useMemo } from 'react';
import { stepHistograms } from '../../analysis/step-histograms';
import type { LatentTable } from '../../sae/latent-table';
import type { StepHistogramsData } from '../charts/step-histograms';

/**
 * Latent k's activation histogram per recorded step, derived from its
 * overall histogram and temporal profile (analysis/step-histograms.ts), with
 * `step` highlighted; or why there is none.
 */
export function useStepHistograms(table: LatentTable, latent: number, step: number): { data: StepHistogramsData } | { reason: string } {
  const { S, histogramEdges, histogramCounts, profile, rowsPerPosition, stepIndices } = table;
  const histograms = useMemo(() => {
    // A per-step SAE (S rows per position) has its own f at each step: one histogram scaled does not give them.
    if (rowsPerPosition > 1) return null;
    const bins = histogramEdges.length - 1;
    return stepHistograms(histogramEdges, histogramCounts.subarray(latent * bins, (latent + 1) * bins), profile.subarray(latent * S, (latent + 1) * S));
  }, [histogramEdges, histogramCounts, profile, rowsPerPosition, S, latent]);
  return useMemo(() => {
    if (!histograms) return { reason: 'this SAE is per-step (its input is one step’s d values), so each step has its own activations, and its overall histogram does not say which step a firing belongs to' };
    return {
      data: {
        edges: histograms.map((h) => h.edges),
        counts: histograms.map((h) => Array.from(h.counts)),
        titles: histograms.map((_, s) => `step ${s + 1} · call ${stepIndices[s] ?? s}`),
        xLabel: 'H_k[s, p] = f_k(n, p) · ‖v_k[s]‖ where it fires (log scale, shared by the steps)',
        yLabel: 'tokens',
        highlight: step,
      },
    };
  }, [histograms, stepIndices, step]);
}
