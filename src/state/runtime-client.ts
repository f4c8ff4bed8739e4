import { JobError } from '../worker/job-error';
import type { StopMode } from '../worker/jobs/job-context';
import type { FromWorker, JobEvent, JobKind, JobRequest, JobResult, ToWorker } from '../worker/runtime-protocol';

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
}

/**
 * The page's side of the runtime worker: one worker for the page; each job
 * numbered, its events and its end routed back to the call that started it.
 */
class RuntimeClient {
  private worker: Worker | null = null;
  private next = 1;
  private readonly pending = new Map<number, Pending>();

  private ensure(): Worker {
    if (!this.worker) {
      this.worker = new Worker(new URL('../worker/runtime-worker.ts', import.meta.url), { type: 'module', name: 'runtime' });
      this.worker.onmessage = (event: MessageEvent<FromWorker>) => this.answer(event.data);
      this.worker.onerror = (event) => {
        const error = new JobError('failed', `the runtime worker failed: ${event.message || 'unknown error'}; reload the page`, 'Reload the page.');
        for (const job of this.pending.values()) job.reject(error);
        this.pending.clear();
      };
    }
    return this.worker;
  }

  private answer(message: FromWorker): void {
    const job = this.pending.get(message.id);
    if (!job) return;
    if (message.type === 'event') return job.onEvent(message.event);
    this.pending.delete(message.id);
    if (message.type === 'result') job.resolve(message.result);
    else job.reject(JobError.fromData(message.error));
  }

  /** Runs a job in the worker: `onEvent` hears its events; the promise settles with its result, or rejects with a JobError. */
  runJob<K extends JobKind>(kind: K, request: JobRequest<K>, onEvent?: (event: JobEvent<K>) => void, options: JobOptions = {}): Promise<JobResult<K>> {
    const { signal, stopper } = options;
    if (signal?.aborted) return Promise.reject(new JobError('cancelled', `${kind} was cancelled before it started`));
    const id = this.next++;
    const worker = this.ensure();
    const result = new Promise<JobResult<K>>((resolve, reject) => {
      this.pending.set(id, { onEvent: (event) => onEvent?.(event as JobEvent<K>), resolve: (r) => resolve(r as JobResult<K>), reject });
    });
    worker.postMessage({ type: 'run', id, kind, request } as ToWorker);
    const cancel = () => worker.postMessage({ type: 'cancel', id } satisfies ToWorker);
    signal?.addEventListener('abort', cancel, { once: true });
    stopper?.connect((mode) => worker.postMessage({ type: 'stop', id, mode } satisfies ToWorker));
    void result.catch(() => {}).finally(() => signal?.removeEventListener('abort', cancel));
    return result;
  }
}

export const runtimeClient = new RuntimeClient();
