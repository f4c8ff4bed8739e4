/**
 * What every job is: a function from its request to its result, given a
 * context to send events (progress, previews) and its signals. A job's own
 * file exports its request, event and result types and its handler;
 * runtime-protocol.ts lists them in the Jobs map and runtime-worker.ts in its table.
 */

/** How far a job has got: `loaded` of `total` (null: unknown) in `stage`. */
export interface JobProgress {
  type: 'progress';
  stage: string;
  loaded: number;
  total: number | null;
  bytesPerSecond: number;
  etaSeconds: number | null;
}

/** A progress event with no rate: `done` of `total` in `stage`. */
export function progress(stage: string, done: number, total: number | null): JobProgress {
  return { type: 'progress', stage, loaded: done, total, bytesPerSecond: 0, etaSeconds: null };
}

/** 'pause' keeps a checkpoint to resume from; 'finish' saves the result as it is. */
export type StopMode = 'pause' | 'finish';

export interface JobContext<Event> {
  /** Sends an event to the page; `transfer` moves buffers instead of copying them. */
  emit: (event: Event, transfer?: Transferable[]) => void;
  /** Aborted when the page cancels the job. */
  signal: AbortSignal;
  /** Aborted when the page asks a long job (training) to end early after its current step, with `stopMode()`. */
  stopSignal: AbortSignal;
  stopMode: () => StopMode;
}

/** A result whose buffers move to the page instead of being copied (they must not be used again here). */
export class Transferred<Result> {
  constructor(
    readonly result: Result,
    readonly transfer: Transferable[],
  ) {}
}

export type JobHandler<Request, Event, Result> = (request: Request, job: JobContext<Event>) => Promise<Result | Transferred<Result>>;
