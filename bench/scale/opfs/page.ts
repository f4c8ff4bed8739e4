/**
 * The page half of the OPFS scale check: the chosen trajectory file is
 * imported into a project's OPFS folder (streamed by the import job), then
 * the runtime worker fits the dynamics, trains a small SAE and measures its
 * latent statistics over every token, and reads the latent table, all from
 * that file, as the lab's pages ask for them. While each stage runs, the
 * memory of the page and its workers is sampled with
 * performance.measureUserAgentSpecificMemory() (cross-origin isolated pages
 * only; Vite serves COOP/COEP) and the page's own JS heap with
 * performance.memory; each stage reports its peak of both.
 */
import { runtimeClient } from '../../../src/state/runtime-client';
import { resolveSaeConfig } from '../../../src/sae/sae-config';

export interface OpfsScaleOptions {
  latents: number;
  k: number;
  batch: number;
  steps: number;
}

export interface OpfsStage {
  stage: string;
  seconds: number;
  /** Peak of measureUserAgentSpecificMemory's total (page, workers and their array buffers); null where unavailable. */
  peakMeasuredBytes: number | null;
  /** Peak of the page's own JS heap (performance.memory.usedJSHeapSize, which leaves the workers out). */
  peakPageHeapBytes: number;
  samples: number;
}

interface UserAgentMemory {
  bytes: number;
}

declare global {
  interface Window {
    runOpfsScale?: (options: OpfsScaleOptions) => Promise<{ fileBytes: number; stages: OpfsStage[] }>;
  }
}

const performanceWithMemory = performance as Performance & {
  memory?: { usedJSHeapSize: number };
  measureUserAgentSpecificMemory?: () => Promise<UserAgentMemory>;
};

/** Runs `work`, sampling memory one measurement after another until it settles. */
async function measured<T>(stage: string, work: () => Promise<T>): Promise<{ result: T; line: OpfsStage }> {
  let done = false;
  let peakMeasured: number | null = null;
  let peakPage = 0;
  let samples = 0;
  const canMeasure = crossOriginIsolated && typeof performanceWithMemory.measureUserAgentSpecificMemory === 'function';
  const sampler = (async () => {
    while (!done) {
      peakPage = Math.max(peakPage, performanceWithMemory.memory?.usedJSHeapSize ?? 0);
      if (canMeasure) peakMeasured = Math.max(peakMeasured ?? 0, (await performanceWithMemory.measureUserAgentSpecificMemory!()).bytes);
      samples++;
      await new Promise((resolve) => setTimeout(resolve, 1000));
    }
  })();
  console.info(`opfs-scale: ${stage}`);
  const started = performance.now();
  try {
    const result = await work();
    return { result, line: { stage, seconds: (performance.now() - started) / 1000, peakMeasuredBytes: peakMeasured, peakPageHeapBytes: peakPage, samples } };
  } finally {
    done = true;
    await sampler;
  }
}

window.runOpfsScale = async (o) => {
  const file = (document.getElementById('trajectories') as HTMLInputElement).files?.[0];
  if (!file) throw new Error('choose a trajectory file first');
  const projectId = `opfs-scale-${Date.now()}`;
  const stages: OpfsStage[] = [];
  const imported = await measured('import', () => runtimeClient.runJob('import', { projectId, file, cfgJson: null, trajectories: null }));
  stages.push(imported.line);
  if (imported.result.kind !== 'trajectories') throw new Error(`imported a ${imported.result.kind}, not trajectories`);
  const { S, d } = imported.result;
  stages.push((await measured('fit', () => runtimeClient.runJob('fit', { projectId, variants: ['full'], lambda: null, heldoutFraction: 0.2 }))).line);
  const config = resolveSaeConfig({ dIn: S * d, latents: o.latents, k: o.k, batchSize: o.batch, metricsEvery: o.steps });
  // Training ends by measuring the latent statistics on every token of the file.
  stages.push((await measured('train+statistics', () => runtimeClient.runJob('train', { projectId, config, steps: o.steps, checkpointEvery: o.steps, resume: false }))).line);
  stages.push((await measured('latent-table', () => runtimeClient.runJob('latent-table', { projectId }))).line);
  const root = await navigator.storage.getDirectory();
  await root.getDirectoryHandle('projects').then((projects) => projects.removeEntry(projectId, { recursive: true }));
  return { fileBytes: file.size, stages };
};
