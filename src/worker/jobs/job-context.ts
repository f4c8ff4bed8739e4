import type { RuntimeResponse } from '../runtime-protocol';

/** What a job gets from the worker: a way to answer, and its cancel signal. */
export interface JobContext {
  id: number;
  post: (message: RuntimeResponse, transfer?: Transferable[]) => void;
  signal: AbortSignal;
}
