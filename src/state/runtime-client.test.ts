import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import type { JobError } from '../worker/job-error';
import type { FromWorker, ToWorker } from '../worker/runtime-protocol';

/** A stand-in for the runtime worker: records what the page sends, and lets the test answer. */
class FakeWorker {
  static made: FakeWorker[] = [];
  readonly sent: ToWorker[] = [];
  terminated = false;
  onmessage: ((event: MessageEvent<FromWorker>) => void) | null = null;
  onerror: ((event: ErrorEvent) => void) | null = null;
  constructor(
    readonly url: URL,
    readonly options: WorkerOptions,
  ) {
    FakeWorker.made.push(this);
  }
  postMessage(message: ToWorker): void {
    this.sent.push(message);
  }
  terminate(): void {
    this.terminated = true;
  }
  answer(message: FromWorker): void {
    this.onmessage?.({ data: message } as MessageEvent<FromWorker>);
  }
  runs(): number[] {
    return this.sent.flatMap((m) => (m.type === 'run' ? [m.id] : []));
  }
}

const flush = () => new Promise((resolve) => setTimeout(resolve, 0));

describe('the runtime client when the device is lost', () => {
  beforeEach(() => {
    FakeWorker.made = [];
    vi.stubGlobal('Worker', FakeWorker);
    vi.resetModules();
  });
  afterEach(() => vi.unstubAllGlobals());

  it("lets the worker end its jobs, then replaces it; jobs asked for meanwhile run on the new one", async () => {
    const { runtimeClient } = await import('./runtime-client');
    const heard: string[] = [];
    let replaced: Promise<void> | null = null;
    runtimeClient.onDeviceLost((message, done) => {
      heard.push(message);
      replaced = done;
    });
    const running = runtimeClient.runJob('cache-status', { manifestUrl: 'a' });
    const [old] = FakeWorker.made;
    const [id] = old.runs();

    old.answer({ type: 'device-lost', message: 'The GPU device was lost (destroyed): gone' });
    expect(heard).toEqual(['The GPU device was lost (destroyed): gone']);
    const later = runtimeClient.runJob('cache-status', { manifestUrl: 'b' });
    await flush();
    // The old worker still ends its job; nothing new is sent to it, and it is not ended yet.
    expect(old.runs()).toEqual([id]);
    expect(old.terminated).toBe(false);
    expect(FakeWorker.made).toHaveLength(1);

    old.answer({ type: 'error', id, error: { kind: 'device-lost', message: 'stopped', hint: 'h' } });
    await expect(running).rejects.toMatchObject({ kind: 'device-lost' } satisfies Partial<JobError>);
    await replaced;
    await flush();
    expect(old.terminated).toBe(true);
    expect(FakeWorker.made).toHaveLength(2);
    const fresh = FakeWorker.made[1];
    const [laterId] = fresh.runs();
    fresh.answer({ type: 'result', id: laterId, result: { total: 1 } });
    await expect(later).resolves.toEqual({ total: 1 });
  });

  it('ends a worker whose job does not stop in time, its job ending as device-lost', async () => {
    vi.useFakeTimers();
    try {
      const { runtimeClient } = await import('./runtime-client');
      let replaced: Promise<void> | null = null;
      runtimeClient.onDeviceLost((_, done) => (replaced = done));
      const stuck = runtimeClient.runJob('cache-status', { manifestUrl: 'a' });
      const [old] = FakeWorker.made;
      old.answer({ type: 'device-lost', message: 'lost' });
      await vi.advanceTimersByTimeAsync(15_000);
      await replaced;
      expect(old.terminated).toBe(true);
      await expect(stuck).rejects.toMatchObject({ kind: 'device-lost', message: 'lost; the job did not stop in time and was ended' });
    } finally {
      vi.useRealTimers();
    }
  });

  it('names the worker for the test hooks only when the page asks for them', async () => {
    const { runtimeClient } = await import('./runtime-client');
    void runtimeClient.runJob('cache-status', { manifestUrl: 'a' }).catch(() => {});
    expect(FakeWorker.made[0].options.name).toBe('runtime');
    runtimeClient.destroyDevice();
    expect(FakeWorker.made[0].sent.some((m) => m.type === 'destroy-device')).toBe(false);
  });
});
