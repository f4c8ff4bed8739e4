/// <reference lib="webworker" />
/**
 * The runtime worker: runs the jobs the page asks for (runtime-protocol.ts),
 * each by its handler in HANDLERS, with a cancel signal and a stop signal;
 * every error leaves as one classified JobError. The loaded model lives in
 * loaded-model.ts, one at a time. When the GPU device is lost, every running
 * job is stopped (it ends as a 'device-lost' error, with what it kept) and
 * the page is told; it then replaces this worker, whose device, and with the
 * WebGPU provider onnxruntime's, cannot come back.
 */
import { classifyError } from './classify-error';
import { deviceWatch } from './device-loss';
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
import { openProjectJob } from './jobs/open-project-job';
import { engineGpu } from './loaded-model';
import { prewarmJob } from './jobs/prewarm-job';
import { promptLatentsJob } from './jobs/prompt-latents-job';
import { steerJob } from './jobs/steer-job';
import { steerSweepJob } from './jobs/steer-sweep-job';
import { trainJob } from './jobs/train-job';
import type { FromWorker, JobKind, Jobs, ToWorker } from './runtime-protocol';
import { workerTestHooks } from './test-hooks';

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
  'steer-sweep': steerSweepJob,
  'open-project': openProjectJob,
};

/** Running jobs' signals, by request id. */
const running = new Map<number, { cancel: AbortController; stop: AbortController; stopMode: StopMode }>();

/** Read once, at start: whether this worker handles test-hook messages. */
const testHooks = workerTestHooks(self.name);

function post(message: FromWorker, transfer: Transferable[] = []): void {
  self.postMessage(message, transfer);
}

deviceWatch.onLost((lost) => {
  // The loss is each job's abort reason: classifyError turns what it throws into 'device-lost'.
  for (const controls of running.values()) controls.cancel.abort(lost);
  post({ type: 'device-lost', message: lost.what });
});

async function run(message: Extract<ToWorker, { type: 'run' }>): Promise<void> {
  const { id } = message;
  const controls = { cancel: new AbortController(), stop: new AbortController(), stopMode: 'pause' as StopMode };
  running.set(id, controls);
  // A job that arrives after the loss (before the page replaced this worker) stops at once.
  if (deviceWatch.loss) controls.cancel.abort(deviceWatch.loss);
  const handler = HANDLERS[message.kind] as JobHandler<unknown, unknown, unknown>;
  try {
    controls.cancel.signal.throwIfAborted();
    const output = await handler(message.request, {
      emit: (event, transfer) => post({ type: 'event', id, event }, transfer),
      signal: controls.cancel.signal,
      stopSignal: controls.stop.signal,
      stopMode: () => controls.stopMode,
    });
    // A job that ended early without throwing (collect stops between images) still ends as stopped by the loss.
    if (deviceWatch.loss && controls.cancel.signal.reason === deviceWatch.loss) throw deviceWatch.loss;
    if (output instanceof Transferred) post({ type: 'result', id, result: output.result }, output.transfer);
    else post({ type: 'result', id, result: output });
  } catch (error) {
    // A failure that is the device's loss arriving first is classified as the loss.
    if (!controls.cancel.signal.aborted) await deviceWatch.settle();
    post({ type: 'error', id, error: classifyError(error, controls.cancel.signal).toData() });
  } finally {
    running.delete(id);
  }
}

self.onmessage = (event: MessageEvent<ToWorker>) => {
  const message = event.data;
  if (message.type === 'run') void run(message);
  else if (message.type === 'cancel') running.get(message.id)?.cancel.abort();
  else if (message.type === 'destroy-device') {
    // Not device.destroy() through GpuContext.destroy(), which marks a release on purpose and reports no loss.
    if (testHooks) void engineGpu().then((ctx) => ctx.device.destroy());
  } else {
    const controls = running.get(message.id);
    if (controls) {
      controls.stopMode = message.mode;
      controls.stop.abort();
    }
  }
};
