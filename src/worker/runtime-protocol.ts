/**
 * The jobs the runtime worker runs, and the messages that carry them. The
 * worker holds the model (ORT sessions, GPU device) and runs every long
 * job so the page never blocks; jobs write their results into the
 * project's OPFS folder (data/opfs-project.ts) and answer with what the
 * page shows.
 *
 * Each job's request, event and result types live in its own file under
 * jobs/; this map lists them, and runtime-worker.ts maps each kind to its
 * handler. Adding a job: its file, one line here, one line in the table.
 */
import type { AblationArmEvent, AblationRequest, AblationResult } from './jobs/ablation-job';
import type { CacheStatusRequest, CacheStatusResult } from './jobs/cache-status-job';
import type { CollectEvent, CollectRequest, CollectResult } from './jobs/collect-job';
import type { FitRequest, FitResult } from './jobs/fit-job';
import type { GenerateRequest, GenerateResult, StepEvent } from './jobs/generate-job';
import type { ImageActivationsRequest, ImageActivationsResult } from './jobs/image-activations-job';
import type { ImportedArtifact, ImportRequest } from './jobs/import-job';
import type { JobProgress, StopMode } from './jobs/job-context';
import type { LatentCoFiringRequest, LatentCoFiringResult } from './jobs/latent-cofiring-job';
import type { LatentLabelsRequest } from './jobs/latent-labels-job';
import type { LatentMapsRequest, LatentMapsResult } from './jobs/latent-maps-job';
import type { LatentTableRequest } from './jobs/latent-table-job';
import type { LoadRequest, LoadResult } from './jobs/load-job';
import type { OpenProjectRequest } from './jobs/open-project-job';
import type { PrewarmProgress, PrewarmRequest, PrewarmResult } from './jobs/prewarm-job';
import type { PromptLatentsRequest, PromptLatentsResult } from './jobs/prompt-latents-job';
import type { SteerRequest, SteerResult } from './jobs/steer-job';
import type { SteerSweepEvent, SteerSweepRequest, SteerSweepResult } from './jobs/steer-sweep-job';
import type { MetricsEvent, TrainRequest, TrainResult } from './jobs/train-job';
import type { JobErrorData } from './job-error';
import type { LatentTable } from '../sae/latent-table';
import type { LatentLabels } from '../analysis/latent-labels';

/** Every job: what the page sends, what it hears while the job runs, and what it ends with. */
export interface Jobs {
  load: { request: LoadRequest; events: JobProgress; result: LoadResult };
  'cache-status': { request: CacheStatusRequest; events: never; result: CacheStatusResult };
  generate: { request: GenerateRequest; events: StepEvent; result: GenerateResult };
  collect: { request: CollectRequest; events: CollectEvent; result: CollectResult };
  fit: { request: FitRequest; events: JobProgress; result: FitResult };
  train: { request: TrainRequest; events: MetricsEvent; result: TrainResult };
  ablation: { request: AblationRequest; events: AblationArmEvent; result: AblationResult };
  import: { request: ImportRequest; events: never; result: ImportedArtifact };
  prewarm: { request: PrewarmRequest; events: PrewarmProgress; result: PrewarmResult };
  'latent-table': { request: LatentTableRequest; events: never; result: LatentTable };
  'latent-labels': { request: LatentLabelsRequest; events: JobProgress; result: LatentLabels };
  'latent-maps': { request: LatentMapsRequest; events: never; result: LatentMapsResult };
  'latent-cofiring': { request: LatentCoFiringRequest; events: JobProgress; result: LatentCoFiringResult };
  'image-activations': { request: ImageActivationsRequest; events: JobProgress; result: ImageActivationsResult };
  'prompt-latents': { request: PromptLatentsRequest; events: never; result: PromptLatentsResult };
  steer: { request: SteerRequest; events: JobProgress; result: SteerResult };
  'steer-sweep': { request: SteerSweepRequest; events: SteerSweepEvent; result: SteerSweepResult };
  'open-project': { request: OpenProjectRequest; events: never; result: null };
}

export type JobKind = keyof Jobs;
export type JobRequest<K extends JobKind> = Jobs[K]['request'];
export type JobEvent<K extends JobKind> = Jobs[K]['events'];
export type JobResult<K extends JobKind> = Jobs[K]['result'];

/**
 * Page → worker: start job `id`; cancel it; or end it early after its current step (training's pause / finish).
 * 'destroy-device' is a test hook (test-hooks.ts): the worker ignores it unless started with the hooks on.
 */
export type ToWorker =
  | { [K in JobKind]: { type: 'run'; id: number; kind: K; request: JobRequest<K> } }[JobKind]
  | { type: 'cancel'; id: number }
  | { type: 'stop'; id: number; mode: StopMode }
  | { type: 'destroy-device' };

/**
 * Worker → page, about job `id`: an event while it runs, then either its result or its error.
 * 'device-lost': the worker's GPU device is gone (`message` says how); its running jobs end as
 * 'device-lost' errors, and the page replaces the worker.
 */
export type FromWorker =
  | { type: 'event'; id: number; event: unknown }
  | { type: 'result'; id: number; result: unknown }
  | { type: 'error'; id: number; error: JobErrorData }
  | { type: 'device-lost'; message: string };
