/// <reference lib="webworker" />
/**
 * The runtime worker: runs the jobs the page asks for (runtime-protocol.ts),
 * each by its handler in HANDLERS, with a cancel signal and a stop signal;
 * every error leaves as one classified JobError. The loaded model lives in
 * loaded-model.ts, one at a time.
 */
import { classifyError } from './classify-error';
import { ablationJob } from './jobs/ablation-job';
import { cacheStatusJob } from './jobs/cache-status-job';
import { collectJob } from './jobs/collect-job';
import { fitJob } from './jobs/fit-job';
import { generateJob } from './jobs/generate-job';
import { imageActivationsJob } from './jobs/image-activations-job';
import { importJob } from './jobs/import-job';
import { Transferred, type JobHandler, type StopMode } from './jobs/job-context';
import { latentCoFiringJob } from './jobs/latent-cofiring-job';
import { latentLabelsJob } from './jobs/latent-labels-job';
import { latentMapsJob } from './jobs/latent-maps-job';
import { latentTableJob } from './jobs/latent-table-job';
import { loadJob } from './jobs/load-job';
import { prewarmJob } from './jobs/prewarm-job';
import { promptLatentsJob } from './jobs/prompt-latents-job';
import { steerJob } from './jobs/steer-job';
import { trainJob } from './jobs/train-job';
import type { FromWorker, JobKind, Jobs, ToWorker } from './runtime-protocol';

declare const self: DedicatedWorkerGlobalScope;

const HANDLERS: { [K in JobKind]: JobHandler<Jobs[K]['request'], Jobs[K]['events'], Jobs[K]['result']> } = {
  load: loadJob,
  'cache-status': cacheStatusJob,
  generate: generateJob,
  collect: collectJob,
  fit: fitJob,
  train: trainJob,
  ablation: ablationJob,
  import: importJob,
  prewarm: prewarmJob,
  'latent-table': latentTableJob,
  'latent-labels': latentLabelsJob,
  'latent-maps': latentMapsJob,
  'latent-cofiring': latentCoFiringJob,
  'image-activations': imageActivationsJob,
  'prompt-latents': promptLatentsJob,
  steer: steerJob,
};

/** Running jobs' signals, by request id. */
const running = new Map<number, { cancel: AbortController; stop: AbortController; stopMode: StopMode }>();

function post(message: FromWorker, transfer: Transferable[] = []): void {
  self.postMessage(message, transfer);
}

async function run(message: Extract<ToWorker, { type: 'run' }>): Promise<void> {
  const { id } = message;
  const controls = { cancel: new AbortController(), stop: new AbortController(), stopMode: 'pause' as StopMode };
  running.set(id, controls);
  const handler = HANDLERS[message.kind] as JobHandler<unknown, unknown, unknown>;
  try {
    const output = await handler(message.request, {
      emit: (event, transfer) => post({ type: 'event', id, event }, transfer),
      signal: controls.cancel.signal,
      stopSignal: controls.stop.signal,
      stopMode: () => controls.stopMode,
    });
    if (output instanceof Transferred) post({ type: 'result', id, result: output.result }, output.transfer);
    else post({ type: 'result', id, result: output });
  } catch (error) {
    post({ type: 'error', id, error: classifyError(error, controls.cancel.signal).toData() });
  } finally {
    running.delete(id);
  }
}

self.onmessage = (event: MessageEvent<ToWorker>) => {
  const message = event.data;
  if (message.type === 'run') void run(message);
  else if (message.type === 'cancel') running.get(message.id)?.cancel.abort();
  else {
    const controls = running.get(message.id);
    if (controls) {
      controls.stopMode = message.mode;
      controls.stop.abort();
    }
  }
};
