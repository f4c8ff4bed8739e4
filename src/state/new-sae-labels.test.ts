import { beforeEach, describe, expect, it, vi } from 'vitest';
import type { SaeConfig } from '../sae/sae-config';
import type { ProjectRecord } from './project-record';
import { labelNewSae } from './new-sae-labels';
import { useLab } from './store';
import type { ScriptedRuntimeClient } from './test-runtime-client';

vi.mock('./runtime-client', async (importOriginal) => {
  const { ScriptedRuntimeClient } = await import('./test-runtime-client');
  return { ...(await importOriginal<object>()), runtimeClient: new ScriptedRuntimeClient() };
});
vi.mock('./project-db', () => ({ saveProject: async () => {}, listProjects: async () => [], deleteProject: async () => {} }));
const { runtimeClient } = (await import('./runtime-client')) as unknown as { runtimeClient: ScriptedRuntimeClient };

const flush = () => new Promise((resolve) => setTimeout(resolve, 0));

const ATTRIBUTES = [{ colour: 'red' }];
const PROJECT = { id: 'p1', name: 'p', prompts: { attributes: ATTRIBUTES }, collect: { state: 'done' }, dynamics: { at: 3 } } as unknown as ProjectRecord;
const request = { config: {} as SaeConfig, steps: 10, checkpointEvery: 5 };

describe("an SAE's latent labels", () => {
  beforeEach(() => {
    runtimeClient.clear();
    useLab.setState({ projects: [PROJECT], projectId: PROJECT.id, latentLabels: { state: 'idle' }, trainJob: null, measureProject: async () => {} });
  });

  it('are made as soon as training finishes, before the Latents page is opened', async () => {
    useLab.getState().startTraining(request, false);
    runtimeClient.of('train')[0].resolve({ state: 'finished', step: 10, seconds: 1, evaluation: null });
    await flush();
    const sae = useLab.getState().projects[0].sae!;
    expect(runtimeClient.of('latent-labels').map((j) => j.request)).toEqual([{ projectId: PROJECT.id, attributes: ATTRIBUTES }]);
    expect(useLab.getState().latentLabels).toMatchObject({ state: 'running', projectId: PROJECT.id, saeAt: sae.at });
    // The page's own request once it lists the SAE is the same one: made once.
    useLab.getState().loadLatentLabels(PROJECT.id, sae.at, ATTRIBUTES);
    expect(runtimeClient.of('latent-labels')).toHaveLength(1);
  });

  it('wait for a paused run to finish', async () => {
    useLab.getState().startTraining(request, false);
    runtimeClient.of('train')[0].resolve({ state: 'paused', step: 5, seconds: 1, evaluation: null });
    await flush();
    expect(runtimeClient.of('latent-labels')).toHaveLength(0);
  });

  it('are not asked for an SAE imported into a project without trajectories or dynamics (it has no statistics)', () => {
    useLab.setState({ projects: [{ ...PROJECT, collect: undefined, dynamics: undefined, sae: { state: 'done', at: 9 } } as unknown as ProjectRecord] });
    labelNewSae(useLab.getState(), PROJECT.id);
    expect(runtimeClient.of('latent-labels')).toHaveLength(0);
    useLab.setState({ projects: [{ ...PROJECT, sae: { state: 'done', at: 9 } } as unknown as ProjectRecord] });
    labelNewSae(useLab.getState(), PROJECT.id);
    expect(runtimeClient.of('latent-labels')).toHaveLength(1);
  });
});
