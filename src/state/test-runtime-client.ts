import { JobError } from '../worker/job-error';
import type { DeviceLossListener } from './runtime-client';

/** A job the stand-in was asked for, and the test's way to end it. */
export interface ScriptedJob {
  kind: string;
  request: unknown;
  onEvent?: (event: unknown) => void;
  settled: boolean;
  resolve: (result: unknown) => void;
  reject: (error: unknown) => void;
}

/**
 * A stand-in for the page's runtime client in the slices' tests (in place
 * of `runtimeClient` through vi.mock): it records each job for the test to
 * end, and loses the GPU device on demand, as the real client reports it.
 */
export class ScriptedRuntimeClient {
  readonly jobs: ScriptedJob[] = [];
  private readonly listeners = new Set<DeviceLossListener>();

  onDeviceLost(listener: DeviceLossListener): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  runJob(kind: string, request: unknown, onEvent?: (event: unknown) => void): Promise<unknown> {
    return new Promise((resolve, reject) => {
      const job: ScriptedJob = {
        kind,
        request,
        onEvent,
        settled: false,
        resolve: (result) => {
          job.settled = true;
          resolve(result);
        },
        reject: (error) => {
          job.settled = true;
          reject(error);
        },
      };
      this.jobs.push(job);
    });
  }

  /** The jobs of `kind` asked for so far, oldest first. */
  of(kind: string): ScriptedJob[] {
    return this.jobs.filter((j) => j.kind === kind);
  }

  /** Tells the listeners the device was lost (the new worker at once), then ends every open job as the real worker does. */
  loseDevice(): void {
    for (const listener of this.listeners) listener('The GPU device was lost (destroyed)', Promise.resolve());
    for (const job of this.jobs.filter((j) => !j.settled)) job.reject(new JobError('device-lost', 'the job was stopped by the lost device'));
  }

  /** Forgets the jobs asked for so far (between tests). */
  clear(): void {
    this.jobs.length = 0;
  }
}
