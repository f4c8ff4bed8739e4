/**
 * The one error a job ends with, as the page receives it: what kind of
 * failure it was (so the page can tell a cancel from a fault, and a GPU
 * limit from bad input) and what to do about it. The worker classifies each
 * error once (classify-error.ts); the client rethrows it as this class.
 */
export type JobErrorKind = 'cancelled' | 'gpu-limit' | 'device-lost' | 'bad-input' | 'unsupported' | 'failed';

/** A JobError as it crosses the worker boundary (structured clone keeps no class). */
export interface JobErrorData {
  kind: JobErrorKind;
  message: string;
  hint: string;
  /** A job stopped by a lost device that kept its progress: where it resumes (training: its checkpoint's step). */
  resumeFrom?: number;
}

/** What to do, by kind. */
export const JOB_ERROR_HINTS: Record<JobErrorKind, string> = {
  cancelled: 'Nothing to do: the job was stopped on request.',
  'gpu-limit': 'Use smaller sizes (fewer latents, a smaller batch or fewer images), or a GPU with higher limits.',
  'device-lost': 'The lab makes a new GPU device and reloads the model by itself; once the model is ready, resume the job or run it again.',
  'bad-input': 'Check the file or the setting the message names, or finish the stage it asks for first.',
  unsupported: 'This model cannot run on this machine as chosen; the message says what does not fit.',
  failed: 'Try again; if it fails the same way, reload the page.',
};

export class JobError extends Error {
  override name = 'JobError';
  constructor(
    readonly kind: JobErrorKind,
    message: string,
    readonly hint: string = JOB_ERROR_HINTS[kind],
    readonly resumeFrom?: number,
  ) {
    super(message);
  }

  static fromData(data: JobErrorData): JobError {
    return new JobError(data.kind, data.message, data.hint, data.resumeFrom);
  }

  toData(): JobErrorData {
    return { kind: this.kind, message: this.message, hint: this.hint, ...(this.resumeFrom === undefined ? {} : { resumeFrom: this.resumeFrom }) };
  }
}

/** Whether `error` is a job that was cancelled (not a failure to report). */
export function isCancelled(error: unknown): boolean {
  return error instanceof JobError && error.kind === 'cancelled';
}

/** Whether `error` is a job stopped because the GPU device was lost (the page recovers; the job is resumable or re-runnable). */
export function isDeviceLost(error: unknown): error is JobError {
  return error instanceof JobError && error.kind === 'device-lost';
}
