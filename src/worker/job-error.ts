/**
 * The one error a job ends with, as the page receives it: what kind of
 * failure it was (so the page can tell a cancel from a fault, and a GPU
 * limit from bad input) and what to do about it. The worker classifies each
 * error once (classify-error.ts); the client rethrows it as this class.
 */
export type JobErrorKind = 'cancelled' | 'gpu-limit' | 'device-lost' | 'bad-input' | 'failed';

/** A JobError as it crosses the worker boundary (structured clone keeps no class). */
export interface JobErrorData {
  kind: JobErrorKind;
  message: string;
  hint: string;
}

/** What to do, by kind. */
export const JOB_ERROR_HINTS: Record<JobErrorKind, string> = {
  cancelled: 'Nothing to do: the job was stopped on request.',
  'gpu-limit': 'Use smaller sizes (fewer latents, a smaller batch or fewer images), or a GPU with higher limits.',
  'device-lost': 'Reload the page to get a new GPU device.',
  'bad-input': 'Check the file or the setting the message names, or finish the stage it asks for first.',
  failed: 'Try again; if it fails the same way, reload the page.',
};

export class JobError extends Error {
  override name = 'JobError';
  constructor(
    readonly kind: JobErrorKind,
    message: string,
    readonly hint: string = JOB_ERROR_HINTS[kind],
  ) {
    super(message);
  }

  static fromData(data: JobErrorData): JobError {
    return new JobError(data.kind, data.message, data.hint);
  }

  toData(): JobErrorData {
    return { kind: this.kind, message: this.message, hint: this.hint };
  }
}

/** Whether `error` is a job that was cancelled (not a failure to report). */
export function isCancelled(error: unknown): boolean {
  return error instanceof JobError && error.kind === 'cancelled';
}
