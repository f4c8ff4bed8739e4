import { afterEach, describe, expect, it, vi } from 'vitest';
import { GpuDeviceLostError } from '../gpu/errors';
import { nodeGpu } from '../gpu/node-gpu';
import { classifyError } from './classify-error';
import { DeviceWatch } from './device-loss';
import { JobError } from './job-error';

/** Resolves after the device's lost promise and its listeners have run. */
const settle = () => new Promise((resolve) => setTimeout(resolve, 50));

describe('DeviceWatch on Dawn', () => {
  it('reports the first loss of a watched device once, with the reason, and the context refuses work after it', async () => {
    const [a, b] = [await nodeGpu(), await nodeGpu()];
    const watch = new DeviceWatch();
    const heard: GpuDeviceLostError[] = [];
    watch.onLost((error) => heard.push(error));
    expect(watch.watch(a)).toBe(a);
    watch.watch(a);
    watch.watch(b);
    expect(watch.loss).toBeNull();

    a.device.destroy();
    await a.device.lost;
    await settle();
    expect(heard).toHaveLength(1);
    expect(heard[0]).toBeInstanceOf(GpuDeviceLostError);
    expect(heard[0].reason).toBe('destroyed');
    expect(heard[0].what).toMatch(/^The GPU device was lost \(destroyed\)/);
    expect(watch.loss).toBe(heard[0]);
    expect(a.lostError).toBe(heard[0]);
    expect(() => a.createBuffer(16, 'after loss')).toThrow(GpuDeviceLostError);

    // A device never comes back: a second loss adds nothing.
    b.device.destroy();
    await b.device.lost;
    await settle();
    expect(heard).toHaveLength(1);
  });

  it('does not report a device released on purpose (GpuContext.destroy)', async () => {
    const ctx = await nodeGpu();
    const watch = new DeviceWatch();
    const listener = vi.fn();
    watch.onLost(listener);
    watch.watch(ctx);
    ctx.destroy();
    await ctx.device.lost;
    await settle();
    expect(listener).not.toHaveBeenCalled();
    expect(watch.loss).toBeNull();
  });

  it('forgets a context it no longer watches (a released model\'s device)', async () => {
    const ctx = await nodeGpu();
    const watch = new DeviceWatch();
    watch.watch(ctx);
    watch.unwatch(ctx);
    // Nothing left to ask: settle answers at once, even with a long timeout.
    const started = performance.now();
    expect(await watch.settle(5_000)).toBeNull();
    expect(performance.now() - started).toBeLessThan(100);
  });
});

describe('a job stopped by a lost device', () => {
  const lost = new GpuDeviceLostError('destroyed', 'Device was destroyed.');
  const abortedByLoss = () => {
    const controller = new AbortController();
    controller.abort(lost);
    return controller.signal;
  };

  it("ends as 'device-lost' with what happened, whatever it threw on the way out", () => {
    for (const thrown of [new Error('mapAsync failed'), new DOMException('stopped', 'AbortError'), lost]) {
      const error = classifyError(thrown, abortedByLoss());
      expect(error.kind).toBe('device-lost');
      expect(error.message).toBe('The GPU device was lost (destroyed): Device was destroyed');
      expect(error.hint).toMatch(/new GPU device and reloads the model by itself; once the model is ready, resume the job or run it again/);
    }
  });

  it('keeps where it resumes across the worker boundary', () => {
    const paused = new JobError('device-lost', 'paused', undefined, 30);
    const back = JobError.fromData(structuredClone(paused.toData()));
    expect([back.kind, back.resumeFrom]).toEqual(['device-lost', 30]);
    expect(JobError.fromData(structuredClone(new JobError('device-lost', 'gone').toData())).resumeFrom).toBeUndefined();
  });
});

describe('the test hooks', () => {
  afterEach(() => {
    vi.unstubAllEnvs();
    vi.resetModules();
  });

  it('are on only where the build carries them and the page asks with ?test-hooks', async () => {
    const dev = await import('./test-hooks');
    expect(dev.TEST_HOOKS_BUILT).toBe(true);
    expect(dev.testHooksAsked('?test-hooks')).toBe(true);
    expect(dev.testHooksAsked('?project=1&test-hooks')).toBe(true);
    expect(dev.testHooksAsked('')).toBe(false);
    expect(dev.testHooksAsked('?hooks=test-hooks')).toBe(false);
    expect(dev.workerTestHooks(dev.runtimeWorkerName(true))).toBe(true);
    expect(dev.workerTestHooks(dev.runtimeWorkerName(false))).toBe(false);

    // A production build without VITE_TEST_HOOKS: off whatever the page asks.
    vi.stubEnv('DEV', false);
    vi.resetModules();
    const shipped = await import('./test-hooks');
    expect(shipped.TEST_HOOKS_BUILT).toBe(false);
    expect(shipped.testHooksAsked('?test-hooks')).toBe(false);
    expect(shipped.workerTestHooks('runtime test-hooks')).toBe(false);

    vi.stubEnv('VITE_TEST_HOOKS', '1');
    vi.resetModules();
    expect((await import('./test-hooks')).testHooksAsked('?test-hooks')).toBe(true);
  });
});

describe('DeviceWatch.settle', () => {
  it('waits for a loss that is reported a moment after a job saw its GPU call fail, and not long when there is none', async () => {
    const ctx = await nodeGpu();
    const watch = new DeviceWatch();
    watch.watch(ctx);
    const started = performance.now();
    expect(await watch.settle(50)).toBeNull();
    expect(performance.now() - started).toBeLessThan(1000);
    // With no loss, the devices' answer ends the wait, not the timeout.
    const quiet = performance.now();
    expect(await watch.settle(5_000)).toBeNull();
    expect(performance.now() - quiet).toBeLessThan(2_500);
    ctx.device.destroy();
    const loss = await watch.settle(10_000);
    expect(loss?.reason).toBe('destroyed');
  });
});
