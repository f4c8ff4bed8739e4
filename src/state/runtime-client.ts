import type { RuntimeRequest, RuntimeResponse } from '../worker/runtime-protocol';

type Handler = (message: RuntimeResponse) => void;

/**
 * The page's side of the runtime worker: one worker for the page, requests
 * numbered, answers routed to the handler of the request they answer.
 */
class RuntimeClient {
  private worker: Worker | null = null;
  private next = 1;
  private readonly handlers = new Map<number, Handler>();

  private ensure(): Worker {
    if (!this.worker) {
      this.worker = new Worker(new URL('../worker/runtime-worker.ts', import.meta.url), { type: 'module', name: 'runtime' });
      this.worker.onmessage = (event: MessageEvent<RuntimeResponse>) => this.handlers.get(event.data.id)?.(event.data);
      this.worker.onerror = (event) => {
        for (const [id, handler] of this.handlers) handler({ type: 'error', id, message: `the runtime worker failed: ${event.message || 'unknown error'}; reload the page`, cancelled: false });
      };
    }
    return this.worker;
  }

  /** Sends a request; `onMessage` gets every answer to it until `done` is called. Returns the request id. */
  send(request: DistributiveOmit<RuntimeRequest, 'id'>, onMessage: (message: RuntimeResponse, done: () => void) => void): number {
    const id = this.next++;
    const done = () => this.handlers.delete(id);
    this.handlers.set(id, (m) => onMessage(m, done));
    this.ensure().postMessage({ ...request, id } as RuntimeRequest);
    return id;
  }

  cancel(id: number): void {
    this.worker?.postMessage({ type: 'cancel', id } satisfies RuntimeRequest);
  }

  /** Ends training run `job` after its current step (it answers on its own request). */
  stop(job: number, mode: 'pause' | 'finish'): void {
    this.worker?.postMessage({ type: 'stop', id: this.next++, job, mode } satisfies RuntimeRequest);
  }
}

type DistributiveOmit<T, K extends PropertyKey> = T extends unknown ? Omit<T, K> : never;

export const runtimeClient = new RuntimeClient();
