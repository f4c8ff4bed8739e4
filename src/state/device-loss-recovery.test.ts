import { beforeEach, describe, expect, it, vi } from 'vitest';
import { JobError } from '../worker/job-error';
import type { ProjectRecord } from './project-record';
import { useLab } from './store';
import type { ScriptedRuntimeClient } from './test-runtime-client';

vi.mock('./runtime-client', async (importOriginal) => {
  const { ScriptedRuntimeClient } = await import('./test-runtime-client');
  return { ...(await importOriginal<object>()), runtimeClient: new ScriptedRuntimeClient() };
});
const { runtimeClient } = (await import('./runtime-client')) as unknown as { runtimeClient: ScriptedRuntimeClient };

const flush = () => new Promise((resolve) => setTimeout(resolve, 0));

const PROJECT = { id: 'p1', name: 'p', sae: { state: 'done', at: 7 }, prompts: { attributes: [{ colour: 'red' }] } } as unknown as ProjectRecord;

describe('the Latents page after a lost GPU device', () => {
  beforeEach(() => {
    runtimeClient.clear();
    vi.stubGlobal('history', { replaceState: () => {} });
    useLab.setState({ projects: [PROJECT], projectId: PROJECT.id, latentTable: { state: 'idle' }, latentLabels: { state: 'idle' }, latentsInterrupted: {}, selectedLatent: null, banner: [] });
  });

  it('marks an interrupted table read and runs it again, then the labels after it', async () => {
    useLab.getState().loadLatentTable();
    runtimeClient.loseDevice();
    await flush();
    expect(useLab.getState().latentsInterrupted).toEqual({ table: PROJECT.id });
    expect(useLab.getState().latentTable).toEqual({ state: 'idle' });
    expect(useLab.getState().banner).toEqual([expect.objectContaining({ source: 'GPU device' })]);

    useLab.getState().rerunLatents();
    expect(useLab.getState().latentsInterrupted).toEqual({});
    const [, again] = runtimeClient.of('latent-table');
    again.resolve({ m: 4 });
    await flush();
    expect(useLab.getState().latentTable).toMatchObject({ state: 'ready', projectId: PROJECT.id, saeAt: 7 });
    expect(runtimeClient.of('latent-labels').map((j) => j.request)).toEqual([{ projectId: PROJECT.id, attributes: [{ colour: 'red' }] }]);
  });

  it('marks interrupted labels, and Run again makes them without reading the table again', async () => {
    useLab.getState().loadLatentTable();
    runtimeClient.of('latent-table')[0].resolve({ m: 4 });
    await flush();
    runtimeClient.loseDevice();
    await flush();
    expect(useLab.getState().latentLabels).toEqual({ state: 'idle' });
    expect(useLab.getState().latentsInterrupted).toEqual({ labels: PROJECT.id });

    useLab.getState().rerunLatents();
    expect(runtimeClient.of('latent-table')).toHaveLength(1);
    expect(runtimeClient.of('latent-labels')).toHaveLength(2);
    expect(useLab.getState().latentLabels).toMatchObject({ state: 'running', projectId: PROJECT.id, saeAt: 7 });
  });

  it('is no longer interrupted once the page asks for the job again by itself (the labels after the table, on opening the page)', async () => {
    useLab.getState().loadLatentLabels(PROJECT.id, 7, null);
    runtimeClient.loseDevice();
    await flush();
    expect(useLab.getState().latentsInterrupted).toEqual({ labels: PROJECT.id });
    useLab.getState().loadLatentTable();
    runtimeClient.of('latent-table')[0].resolve({ m: 4 });
    await flush();
    expect(useLab.getState().latentsInterrupted).toEqual({});
    expect(runtimeClient.of('latent-labels')).toHaveLength(2);
  });

  it('keeps any other failure as a failure, not an interruption', async () => {
    useLab.getState().loadLatentTable();
    runtimeClient.of('latent-table')[0].reject(new JobError('bad-input', 'no statistics'));
    await flush();
    expect(useLab.getState().latentsInterrupted).toEqual({});
    expect(useLab.getState().latentTable).toEqual({ state: 'failed', projectId: PROJECT.id, reason: 'no statistics' });
  });
});

describe('the start-up kernel compile after a lost GPU device', () => {
  const readyModel = { state: 'ready', manifestUrl: 'm', info: { hook: 'h', hooks: [{ path: 'h', default: true, height: 4, width: 4, channels: 8 }] } } as never;

  beforeEach(() => {
    runtimeClient.clear();
    // The lost device's model is loaded again (model-slice's reloadModel), against the page's address.
    vi.stubGlobal('location', { href: 'http://lab.test/' });
    useLab.setState({ kernels: { state: 'idle' }, prewarm: {}, model: { state: 'idle' } });
  });

  it('compiles once per device: again once the model is ready on the new one', async () => {
    useLab.setState({ model: readyModel });
    useLab.getState().prewarmKernels();
    runtimeClient.of('prewarm')[0].resolve({ pipelines: 9, compiled: 9, seconds: 1 });
    await flush();
    useLab.getState().prewarmKernels();
    expect(runtimeClient.of('prewarm')).toHaveLength(1);

    runtimeClient.loseDevice();
    expect(useLab.getState().kernels).toEqual({ state: 'idle' });
    // The model, loaded again, is ready on the new device (App then calls prewarmKernels in idle time).
    useLab.setState({ model: readyModel });
    useLab.getState().prewarmKernels();
    expect(runtimeClient.of('prewarm')).toHaveLength(2);
  });

  it('lets a compile the loss stopped report nothing, so it runs again on the new device', async () => {
    useLab.setState({ model: readyModel });
    useLab.getState().prewarmKernels();
    const [stopped] = runtimeClient.of('prewarm');
    runtimeClient.loseDevice();
    stopped.onEvent?.({ compiled: 3, total: 9 });
    await flush();
    expect(useLab.getState().kernels).toEqual({ state: 'idle' });
    useLab.setState({ model: readyModel });
    useLab.getState().prewarmKernels();
    expect(runtimeClient.of('prewarm')).toHaveLength(2);
    expect(useLab.getState().kernels).toMatchObject({ state: 'compiling', key: 'start' });
  });
});
