/**
 * What each stage of the workflow holds and whether it is current, derived
 * from the store (never stored): empty, running (with progress), done,
 * paused (resumable), stale (an upstream stage changed since), failed (with
 * the reason), or not built yet.
 */
import { formatBytes } from '../data/format';
import type { ProjectRecord } from './project-record';
import type { LabState } from './store';

export type StageState = 'empty' | 'running' | 'done' | 'paused' | 'stale' | 'failed' | 'disabled';

export interface StageStatus {
  state: StageState;
  /** One line: counts, sizes, the reason. */
  detail: string;
  /** 0..1 while running, when known. */
  progress?: number;
}

export type StageId = 'model' | 'prompts' | 'collect' | 'dynamics' | 'sae' | 'latents' | 'steer' | 'device';

type Inputs = Pick<LabState, 'model' | 'gpu' | 'promptsStatus' | 'collectJob' | 'fitJob' | 'fitInterrupted' | 'trainJob' | 'ablationJob' | 'steerRunning' | 'steerResult'>;

const mean = (a: readonly number[]) => a.reduce((x, y) => x + y, 0) / a.length;

/** A fit a lost device stopped keeps nothing: it is run again. */
export const FIT_INTERRUPTED = 'Fitting was interrupted by a lost GPU device; nothing of it was kept: Run again.';

export function stageStatuses(s: Inputs, project: ProjectRecord | null): Record<StageId, StageStatus> {
  return {
    model: modelStatus(s),
    prompts: promptsStatus(s, project),
    collect: collectStatus(s, project),
    dynamics: dynamicsStatus(s, project),
    sae: saeStatus(s, project),
    latents: project?.sae?.state === 'done' ? { state: 'done', detail: `${project.sae.config.latents} latents` } : { state: 'empty', detail: 'train an SAE first' },
    steer: s.steerRunning !== null ? { state: 'running', detail: 'generating' } : s.steerResult ? { state: 'done', detail: `last run ${(s.steerResult.seconds * 1000).toFixed(0)} ms` } : { state: 'empty', detail: project?.sae?.state === 'done' ? 'pick latents to steer with' : 'train an SAE first' },
    device: s.gpu.state === 'ready' ? { state: 'done', detail: s.gpu.summary.vendor || 'WebGPU adapter' } : s.gpu.state === 'lost' ? { state: 'failed', detail: 'device lost' } : s.gpu.state === 'unavailable' ? { state: 'failed', detail: 'no WebGPU' } : { state: 'running', detail: 'requesting an adapter' },
  };
}

function modelStatus(s: Inputs): StageStatus {
  const m = s.model;
  if (m.state === 'loading') {
    const p = m.progress;
    return { state: 'running', detail: p?.stage ?? 'starting', progress: p?.total ? p.loaded / p.total : undefined };
  }
  if (m.state === 'ready') return { state: 'done', detail: `${m.info.name} · ${m.info.hook ?? 'no hook'} · ${m.info.provider}` };
  if (m.state === 'failed') return { state: 'failed', detail: m.reason };
  return { state: 'empty', detail: 'no model loaded' };
}

function promptsStatus(s: Inputs, project: ProjectRecord | null): StageStatus {
  if (s.promptsStatus.state === 'parsing') return { state: 'running', detail: `reading ${s.promptsStatus.name}` };
  const set = project?.prompts;
  if (!set) return s.promptsStatus.state === 'error' ? { state: 'failed', detail: s.promptsStatus.message } : { state: 'empty', detail: 'no prompt set' };
  return { state: 'done', detail: `${set.entries.length} prompts · ${set.source}` };
}

function collectStatus(s: Inputs, project: ProjectRecord | null): StageStatus {
  const job = s.collectJob;
  if (job && job.projectId === project?.id) return { state: 'running', detail: `${job.done} of ${job.total} images`, progress: job.done / job.total };
  const c = project?.collect;
  if (!c) return { state: 'empty', detail: 'no trajectories' };
  if (c.state === 'failed') return { state: 'failed', detail: c.reason ?? 'failed' };
  if (c.state !== 'done') return { state: 'paused', detail: c.reason ?? `${c.done} of ${c.total} images; resumable` };
  if (project.prompts && c.promptsAt !== project.prompts.at) return { state: 'stale', detail: 'the prompt set changed since' };
  return { state: 'done', detail: `${c.total} images · ${formatBytes(c.bytes)}` };
}

function dynamicsStatus(s: Inputs, project: ProjectRecord | null): StageStatus {
  const job = s.fitJob;
  if (job && job.projectId === project?.id) return { state: 'running', detail: job.stage, progress: job.fraction };
  if (project && s.fitInterrupted === project.id) return { state: 'paused', detail: FIT_INTERRUPTED };
  const d = project?.dynamics;
  if (!d) return { state: 'empty', detail: 'not fitted' };
  if (!project.collect || project.collect.state !== 'done' || d.collectAt !== project.collect.at) return { state: 'stale', detail: 'the trajectories changed since' };
  const chosen = d.results[0];
  const r2 = chosen.r2Heldout ?? chosen.r2;
  return { state: 'done', detail: `${chosen.variant} · mean ${chosen.r2Heldout ? 'held-out ' : ''}R² ${mean(r2).toFixed(3)}` };
}

function saeStatus(s: Inputs, project: ProjectRecord | null): StageStatus {
  const sae = project?.sae;
  const job = s.trainJob;
  if (s.ablationJob && s.ablationJob.projectId === project?.id) return { state: 'running', detail: `ablation: ${s.ablationJob.arm || 'starting'}`, progress: s.ablationJob.fraction };
  if (job && job.projectId === project?.id) return { state: 'running', detail: `step ${sae?.step ?? 0} of ${sae?.steps ?? '?'}`, progress: sae ? sae.step / sae.steps : undefined };
  if (!sae) return { state: 'empty', detail: 'not trained' };
  if (sae.state === 'failed') return { state: 'failed', detail: sae.reason ?? 'failed' };
  if (!project.dynamics || sae.dynamicsAt !== project.dynamics.at) return { state: 'stale', detail: 'the dynamics changed since' };
  if (sae.state === 'paused' || sae.state === 'running') return { state: 'paused', detail: sae.reason ?? `paused at step ${sae.step} of ${sae.steps}` };
  const last = sae.history.at(-1);
  return { state: 'done', detail: `m ${sae.config.latents} · k ${sae.config.k}${last ? ` · FVU ${last.fvu.toFixed(3)} · L0 ${last.l0.toFixed(1)}` : ''}` };
}
