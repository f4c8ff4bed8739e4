/**
 * The example run as one progress view: its stages in order, the running
 * one's own progress (read from the slice that runs it, as its page shows
 * it), and the whole run's fraction and time left. The whole-run fraction
 * weighs each stage by its share of a run measured on an emulated GPU
 * (SwiftShader), where generating the images is most of the time.
 */
import { EXAMPLE, type ExampleStage } from '../../state/example-slice';
import { currentProject } from '../../state/project-slice';
import { collectActivity } from '../../state/collect-slice';
import type { LabState } from '../../state/store';

export interface StageView {
  id: ExampleStage;
  label: string;
  state: 'done' | 'running' | 'waiting';
  /** 0..1 of this stage, null when unknown. */
  fraction: number | null;
  /** What it is doing now (running only). */
  detail: string;
}

export interface ExampleProgressView {
  stages: StageView[];
  /** 0..1 of the whole run. */
  fraction: number;
  /** null while too little of the run is done to tell. */
  etaSeconds: number | null;
}

const STAGES: { id: ExampleStage; label: string; share: number }[] = [
  { id: 'model', label: 'Load the toy model', share: 0.03 },
  { id: 'collect', label: `Collect ${EXAMPLE.images} images`, share: 0.62 },
  { id: 'fit', label: 'Fit the dynamics', share: 0.08 },
  { id: 'train', label: `Train the SAE (${EXAMPLE.sae.steps} steps)`, share: 0.2 },
  { id: 'latents', label: 'Label the latents', share: 0.07 },
];

/** The running stage's own progress and what it is doing, from the slice that runs it. */
function stageNow(s: LabState, stage: ExampleStage): { fraction: number | null; detail: string } {
  const project = currentProject(s);
  switch (stage) {
    case 'model': {
      const p = s.model.state === 'loading' ? s.model.progress : null;
      return { fraction: p?.total ? p.loaded / p.total : null, detail: p?.stage ?? 'loading the model…' };
    }
    case 'collect': {
      const job = s.collectJob;
      if (!job) return { fraction: null, detail: 'starting…' };
      const within = job.image !== null && job.calls > 0 ? job.call / job.calls : 0;
      return { fraction: Math.min(1, (job.done + within) / job.total), detail: collectActivity(job, s.model.state === 'loading') };
    }
    case 'fit':
      return { fraction: s.fitJob?.fraction ?? null, detail: s.fitJob?.stage ?? 'starting…' };
    case 'train': {
      const sae = project?.sae;
      const detail = s.trainJob?.activity ?? (sae ? `step ${sae.step} of ${sae.steps}` : 'starting…');
      return { fraction: sae ? sae.step / sae.steps : null, detail };
    }
    case 'latents': {
      const labels = s.latentLabels;
      if (s.latentTable.state !== 'ready') return { fraction: null, detail: 'reading the latents’ statistics…' };
      if (labels.state === 'running') return { fraction: labels.total ? labels.done / labels.total : null, detail: 'labelling each latent by its prompt words and attributes…' };
      return { fraction: null, detail: 'opening the best latent…' };
    }
  }
}

/** The view of a running example at `now` (performance.now()); null when none runs. */
export function exampleProgress(s: LabState, now: number): ExampleProgressView | null {
  const example = s.example;
  if (example.state !== 'running') return null;
  const current = STAGES.findIndex((st) => st.id === example.stage);
  const own = stageNow(s, example.stage);
  let fraction = 0;
  const stages = STAGES.map((st, i): StageView => {
    if (i < current) {
      fraction += st.share;
      return { id: st.id, label: st.label, state: 'done', fraction: 1, detail: '' };
    }
    if (i > current) return { id: st.id, label: st.label, state: 'waiting', fraction: 0, detail: '' };
    fraction += st.share * (own.fraction ?? 0);
    return { id: st.id, label: st.label, state: 'running', fraction: own.fraction, detail: own.detail };
  });
  const elapsed = (now - example.startedAt) / 1000;
  // Before a few percent of the run is behind, the rate says little.
  const etaSeconds = fraction >= 0.04 && elapsed > 3 ? (elapsed * (1 - fraction)) / fraction : null;
  return { stages, fraction, etaSeconds };
}
