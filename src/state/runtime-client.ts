import { JobError } from '../worker/job-error';
import type { StopMode } from '../worker/jobs/job-context';
import type { FromWorker, JobEvent, JobKind, JobRequest, JobResult, ToWorker } from '../worker/runtime-protocol';
import { runtimeWorkerName, testHooksAsked } from '../worker/test-hooks';

/** Ends a long job early after its current step (training's 'pause' or 'finish'): pass it in runJob's options. */
export class JobStopper {
  private send: ((mode: StopMode) => void) | null = null;
  private asked: StopMode | null = null;

  stop(mode: StopMode): void {
    if (this.send) this.send(mode);
    else this.asked = mode;
  }

  /** Connects the stopper to its job (a stop asked for before the job started is sent now). */
  connect(send: (mode: StopMode) => void): void {
    this.send = send;
    if (this.asked) send(this.asked);
  }
}

export interface JobOptions {
  /** Aborting it cancels the job: runJob then rejects with a JobError of kind 'cancelled'. */
  signal?: AbortSignal;
  stopper?: JobStopper;
}

interface Pending {
  onEvent: (event: unknown) => void;
  resolve: (result: unknown) => void;
  reject: (error: JobError) => void;
  /** The worker it runs on; null while it waits for a replacement worker. */
  worker: Worker | null;
}

/** How long a worker whose device was lost gets to end its jobs (they stop at their next step) before it is ended. */
const RETIRE_GRACE_MS = 15_000;

/** Told when the worker's GPU device is lost: what happened, and a promise that settles once a new worker is there. */
export type DeviceLossListener = (message: string, replaced: Promise<void>) => void;

/**
 * The page's side of the runtime worker: one worker for the page; each job
 * numbered, its events and its end routed back to the call that started it.
 * When the worker's GPU device is lost, its jobs end (as 'device-lost'
 * errors) and the worker is replaced by a new one with a new device; jobs
 * asked for meanwhile wait for it.
 */
class RuntimeClient {
  /** Whether this page turned the test hooks on (test-hooks.ts). */
  readonly testHooks = testHooksAsked(globalThis.location?.search ?? '');
  private worker: Worker | null = null;
  /** Set while a worker whose device was lost ends its jobs; settles when it is gone. */
  private retiring: Promise<void> | null = null;
  private next = 1;
  private readonly pending = new Map<number, Pending>();
  private readonly lossListeners = new Set<DeviceLossListener>();
  /** Woken when a job ends (a retiring worker waits for its last one). */
  private jobEnded: (() => void) | null = null;

  /** Calls `listener` each time the worker's GPU device is lost; returns the unsubscribe. */
  onDeviceLost(listener: DeviceLossListener): () => void {
    this.lossListeners.add(listener);
    return () => this.lossListeners.delete(listener);
  }

  /** Test hook: destroys the worker's GPU device (ignored unless the page turned the hooks on). */
  destroyDevice(): void {
    if (this.testHooks) this.ensure().postMessage({ type: 'destroy-device' } satisfies ToWorker);
  }

  private ensure(): Worker {
    if (!this.worker) {
      const worker = new Worker(new URL('../worker/runtime-worker.ts', import.meta.url), { type: 'module', name: runtimeWorkerName(this.testHooks) });
      worker.onmessage = (event: MessageEvent<FromWorker>) => this.answer(worker, event.data);
      worker.onerror = (event) => {
        this.endJobsOf(worker, new JobError('failed', `the runtime worker failed: ${event.message || 'unknown error'}; reload the page`, 'Reload the page.'));
      };
      this.worker = worker;
    }
    return this.worker;
  }

  private answer(worker: Worker, message: FromWorker): void {
    if (message.type === 'device-lost') return this.retire(worker, message.message);
    const job = this.pending.get(message.id);
    if (!job) return;
    if (message.type === 'event') return job.onEvent(message.event);
    this.pending.delete(message.id);
    if (message.type === 'result') job.resolve(message.result);
    else job.reject(JobError.fromData(message.error));
    this.jobEnded?.();
  }

  /** Lets a worker whose device was lost end its jobs, then ends it; the next job starts a new worker. */
  private retire(worker: Worker, message: string): void {
    if (this.worker !== worker) return;
    const ended = new Promise<void>((resolve) => {
      const timer = setTimeout(resolve, RETIRE_GRACE_MS);
      this.jobEnded = () => {
        if ([...this.pending.values()].some((job) => job.worker === worker)) return;
        clearTimeout(timer);
        resolve();
      };
      this.jobEnded();
    });
    const replaced = ended.then(() => {
      this.jobEnded = null;
      worker.terminate();
      this.endJobsOf(worker, new JobError('device-lost', `${message}; the job did not stop in time and was ended`));
      this.worker = null;
      this.retiring = null;
    });
    this.retiring = replaced;
    for (const listener of this.lossListeners) listener(message, replaced);
  }

  private endJobsOf(worker: Worker, error: JobError): void {
    for (const [id, job] of this.pending) {
      if (job.worker !== worker) continue;
      this.pending.delete(id);
      job.reject(error);
    }
  }

  /** Runs a job in the worker: `onEvent` hears its events; the promise settles with its result, or rejects with a JobError. */
  runJob<K extends JobKind>(kind: K, request: JobRequest<K>, onEvent?: (event: JobEvent<K>) => void, options: JobOptions = {}): Promise<JobResult<K>> {
    const { signal, stopper } = options;
    if (signal?.aborted) return Promise.reject(new JobError('cancelled', `${kind} was cancelled before it started`));
    const id = this.next++;
    const pending: Pending = { onEvent: (event) => onEvent?.(event as JobEvent<K>), resolve: () => {}, reject: () => {}, worker: null };
    const result = new Promise<JobResult<K>>((resolve, reject) => {
      pending.resolve = (r) => resolve(r as JobResult<K>);
      pending.reject = reject;
    });
    this.pending.set(id, pending);
    const start = (worker: Worker) => {
      pending.worker = worker;
      worker.postMessage({ type: 'run', id, kind, request } as ToWorker);
      const cancel = () => worker.postMessage({ type: 'cancel', id } satisfies ToWorker);
      if (signal?.aborted) cancel();
      signal?.addEventListener('abort', cancel, { once: true });
      stopper?.connect((mode) => worker.postMessage({ type: 'stop', id, mode } satisfies ToWorker));
      void result.catch(() => {}).finally(() => signal?.removeEventListener('abort', cancel));
    };
    if (this.retiring) void this.retiring.then(() => start(this.ensure()));
    else start(this.ensure());
    return result;
  }
}

export const runtimeClient = new RuntimeClient();

// The test hooks, reachable from a test's page.evaluate (only when the page turned them on).
if (runtimeClient.testHooks) Object.assign(globalThis, { trajectoryLabTestHooks: { destroyWorkerDevice: () => runtimeClient.destroyDevice() } });
