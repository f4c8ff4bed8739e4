import { useMemo } from 'react';

/**
 * One colour scale for the top and the random examples, so their heatmaps
 * compare: the largest H_k[s, p] = f_k(n, p)·‖v_k[s]‖ among them.
 * topMaps, randomMaps: [images, P] f_k(n, p); profile: [S] ‖v_k[s]‖.
 */
export function useHeatmapMax(topMaps: Float32Array | null, randomMaps: Float32Array | null, profile: Float32Array): number {
  return useMemo(() => {
    if (!topMaps) return 0;
    let best = 0;
    for (const v of topMaps) best = Math.max(best, v);
    for (const v of randomMaps ?? []) best = Math.max(best, v);
    return best * Math.max(...profile);
  }, [topMaps, randomMaps, profile]);
}
