import type { StateCreator } from 'zustand';
import type { LatentLabels } from '../analysis/latent-labels';
import { drawImages, sampledImages } from '../sae/image-sample';
import type { LatentTable } from '../sae/latent-table';
import type { LatentCoFiring } from '../worker/jobs/latent-cofiring-job';
import type { JobProgress } from '../worker/jobs/job-context';
import { hookForProject, images } from './model-slice';
import { currentProject } from './project-slice';
import { Registry } from './registry';
import { runtimeClient } from './runtime-client';
import { interruptedBy, rerunning, type LatentsJob } from './latents-interrupted';
import type { LabState } from './store';

/** Latent tables (typed arrays, possibly large), by the id the store holds. */
export const latentTables = new Registry<LatentTable>('latent-table');

export interface LatentMaps {
  latent: number;
  images: number[];
  /** [images, P] f_k(n, p). */
  maps: Float32Array;
}

/**
 * The open latent's random activating examples: images drawn (seeded) from
 * the random sample of its firing images that the statistics pass keeps
 * (sae/latent-statistics.ts), with their maps f_k(n, p). Drawn from that
 * sample rather than from the Concept panel's per-image summaries
 * (flows/image-activations.ts), which list every firing image but exist
 * only after a full encode the user asks for, and cost [N, m] floats: the
 * sample is there as soon as the SAE is measured, costs m·32 u32, and a
 * uniform sample of a uniform sample is uniform. Re-drawing picks another 6
 * of its 32 (or of all, for a latent on fewer images).
 */
export type LatentExamples =
  | { latent: number; seed: number; state: 'loading'; images: number[] }
  /** maps [images, P]. */
  | { latent: number; seed: number; state: 'ready'; images: number[]; maps: Float32Array }
  /** `measuring`: the statistics predate the sample, which is measured now. */
  | { latent: number; seed: number; state: 'none'; reason: string; measuring: { done: number; total: number } | null };

/** The latents that co-fire with the open latent (analysis/co-firing-latents.ts), best first. */
export type LatentCoFiringStatus =
  | { latent: number; state: 'loading' }
  | ({ state: 'ready' } & LatentCoFiring)
  | { latent: number; state: 'none'; reason: string }
  /** The job that measures them stopped (its error is in the banner): nothing is known. */
  | { latent: number; state: 'failed'; reason: string };

export type LatentTableStatus =
  | { state: 'idle' }
  | { state: 'loading'; projectId: string; saeAt: number }
  | { state: 'ready'; projectId: string; tableId: string; saeAt: number }
  | { state: 'failed'; projectId: string; reason: string };

/** Every latent's label and top-image map (analysis/latent-labels.ts), by the id the store holds. */
export const latentLabels = new Registry<LatentLabels>('latent-labels');

/** The list's labels: read from the project, or made once (one encoder pass) when the statistics are new. */
export type LatentLabelsStatus =
  | { state: 'idle' }
  | { state: 'running'; projectId: string; saeAt: number; done: number; total: number | null }
  | { state: 'ready'; projectId: string; saeAt: number; id: string }
  | { state: 'failed'; projectId: string; saeAt: number; reason: string };

/** Per-image activation summaries of the open project's SAE, by the id the store holds. */
export const imageActivations = new Registry<{ N: number; m: number; mean: Float32Array; max: Float32Array }>('image-activations');

export type ImageActivationsStatus =
  | { state: 'idle' }
  | { state: 'running'; done: number; total: number }
  | { state: 'ready'; id: string; saeAt: number; projectId: string };

export interface LatentsSlice {
  /** The latents a typed prompt fires, once it is generated. */
  promptLatents: { prompt: string; state: 'running' } | { prompt: string; state: 'ready'; mean: Float32Array; max: Float32Array } | null;
  rankPromptLatents: (prompt: string, seed: number) => Promise<void>;
  /** A latent's "feature icon": it steered onto the empty prompt. */
  featureIcon: { latent: number; state: 'running' } | { latent: number; state: 'ready'; imageId: string } | null;
  makeFeatureIcon: (latent: number) => Promise<void>;
  imageActivationsStatus: ImageActivationsStatus;
  /** Encodes every image once (mean and max activation per latent), for concepts and attribute AUROCs. */
  loadImageActivations: () => void;
  latentTable: LatentTableStatus;
  latentLabels: LatentLabelsStatus;
  /** The project's labels for the list, after its table: read, or made once and saved by the worker. */
  loadLatentLabels: (projectId: string, saeAt: number, attributes: readonly Record<string, string>[] | null) => void;
  /** The open latent (also in the URL: #latents/<k>). */
  selectedLatent: number | null;
  latentMaps: LatentMaps | null;
  latentMapsLoading: boolean;
  latentExamples: LatentExamples | null;
  latentCoFiring: LatentCoFiringStatus | null;
  /** Draws the open latent's random activating examples with `seed` and encodes their maps. */
  drawLatentExamples: (latent: number, seed: number) => void;
  loadLatentTable: () => void;
  selectLatent: (latent: number | null) => void;
  /** By job, the project whose latent table, labels or open latent's maps a lost GPU device interrupted, until that job runs again. */
  latentsInterrupted: Partial<Record<LatentsJob, string>>;
  /** Runs again what a lost device interrupted: the table, the labels and the open latent's maps (each only if not already there). */
  rerunLatents: () => void;
}

export const createLatentsSlice: StateCreator<LabState, [], [], LatentsSlice> = (set, get) => ({
  latentsInterrupted: {},
  rerunLatents: () => {
    const project = currentProject(get());
    set({ latentsInterrupted: {} });
    if (!project?.sae || project.sae.state !== 'done') return;
    get().loadLatentTable();
    const t = get().latentTable;
    if (t.state !== 'ready') return;
    get().loadLatentLabels(project.id, t.saeAt, project.prompts?.attributes ?? null);
    // The open latent's maps (and co-firing latents after them) again, unless they arrived.
    const k = get().selectedLatent;
    if (k !== null && (get().latentMaps?.latent !== k || get().latentCoFiring?.state === 'none')) get().selectLatent(k);
  },
  latentTable: { state: 'idle' },
  latentLabels: { state: 'idle' },
  loadLatentLabels: (projectId, saeAt, attributes) => {
    const current = get().latentLabels;
    // Already read or being read for this SAE (the table is read again after a spatial measurement).
    if ((current.state === 'running' || current.state === 'ready') && current.projectId === projectId && current.saeAt === saeAt) return;
    if (current.state === 'ready') latentLabels.delete(current.id);
    const mine = () => {
      const now = get().latentLabels;
      return now.state === 'running' && now.projectId === projectId && now.saeAt === saeAt;
    };
    set({ latentLabels: { state: 'running', projectId, saeAt, done: 0, total: null } });
    rerunning(set, 'labels');
    const onProgress = (m: JobProgress) => {
      if (mine()) set({ latentLabels: { state: 'running', projectId, saeAt, done: m.loaded, total: m.total } });
    };
    runtimeClient.runJob('latent-labels', { projectId, attributes }, onProgress).then(
      (labels) => {
        if (mine()) set({ latentLabels: { state: 'ready', projectId, saeAt, id: latentLabels.add(labels) } });
      },
      (error: unknown) => {
        // Stopped by a lost device: nothing is kept, and Run again makes them.
        if (mine()) set({ latentLabels: interruptedBy(set, 'labels', error, projectId) ? { state: 'idle' } : { state: 'failed', projectId, saeAt, reason: (error as Error).message } });
        get().reportJobError('Latent labels', error);
      },
    );
  },
  promptLatents: null,
  rankPromptLatents: async (prompt, seed) => {
    const project = currentProject(get());
    if (!project || !prompt.trim()) return;
    set({ promptLatents: { prompt, state: 'running' } });
    const hookError = await hookForProject(get(), project);
    if (hookError) {
      set({ promptLatents: null });
      get().reportError('Latents for a prompt', hookError);
      return;
    }
    runtimeClient.runJob('prompt-latents', { projectId: project.id, prompt, seed }).then(
      (m) => set({ promptLatents: { prompt, state: 'ready', mean: m.mean, max: m.max } }),
      (error: unknown) => {
        set({ promptLatents: null });
        get().reportJobError('Latents for a prompt', error);
      },
    );
  },
  featureIcon: null,
  makeFeatureIcon: async (latent) => {
    const project = currentProject(get());
    if (!project) return;
    const old = get().featureIcon;
    if (old?.state === 'ready') images.delete(old.imageId);
    set({ featureIcon: { latent, state: 'running' } });
    const hookError = await hookForProject(get(), project);
    if (hookError) {
      set({ featureIcon: null });
      get().reportError('Feature icon', hookError);
      return;
    }
    const request = { projectId: project.id, prompt: '', negativePrompt: '', seed: 0, latents: [{ latent, alpha: FEATURE_ICON_ALPHA }], window: null, mask: null, ablate: false, conditionalOnly: false };
    runtimeClient.runJob('steer', request).then(
      (m) => {
        const imageId = images.add({ width: m.steered.width, height: m.steered.height, rgba: new Uint8ClampedArray(m.steered.rgba) });
        if (get().featureIcon?.latent === latent) set({ featureIcon: { latent, state: 'ready', imageId } });
        else images.delete(imageId);
      },
      (error: unknown) => {
        set({ featureIcon: null });
        get().reportJobError('Feature icon', error);
      },
    );
  },
  imageActivationsStatus: { state: 'idle' },
  loadImageActivations: () => {
    const project = currentProject(get());
    const current = get().imageActivationsStatus;
    if (!project?.sae || project.sae.state !== 'done' || current.state === 'running') return;
    if (current.state === 'ready' && current.projectId === project.id && current.saeAt === project.sae.at) return;
    if (current.state === 'ready') imageActivations.delete(current.id);
    const saeAt = project.sae.at;
    const projectId = project.id;
    set({ imageActivationsStatus: { state: 'running', done: 0, total: 0 } });
    const onProgress = (m: JobProgress) => set({ imageActivationsStatus: { state: 'running', done: m.loaded, total: m.total ?? 0 } });
    runtimeClient.runJob('image-activations', { projectId }, onProgress).then(
      (m) => set({ imageActivationsStatus: { state: 'ready', id: imageActivations.add(m), saeAt, projectId } }),
      (error: unknown) => {
        set({ imageActivationsStatus: { state: 'idle' } });
        get().reportJobError('Latents', error);
      },
    );
  },
  selectedLatent: null,
  latentMaps: null,
  latentMapsLoading: false,
  latentExamples: null,
  latentCoFiring: null,
  drawLatentExamples: (latent, seed) => {
    const t = get().latentTable;
    if (t.state !== 'ready' || get().selectedLatent !== latent) return;
    const images = randomExamples(latentTables.get(t.tableId), latent, seed);
    if (!images) return;
    if (images.length === 0) {
      set({ latentExamples: { latent, seed, state: 'none', reason: 'it never fired on the measured tokens', measuring: null } });
      return;
    }
    set({ latentExamples: { latent, seed, state: 'loading', images } });
    const mine = () => get().latentExamples?.latent === latent && get().latentExamples?.seed === seed;
    runtimeClient.runJob('latent-maps', { projectId: t.projectId, latent, images }).then(
      (m) => {
        if (mine()) set({ latentExamples: { latent, seed, state: 'ready', images, maps: m.maps } });
      },
      (error: unknown) => {
        if (mine()) set({ latentExamples: { latent, seed, state: 'none', reason: (error as Error).message, measuring: null } });
        interruptedBy(set, 'maps', error, t.projectId);
        get().reportJobError('Random examples', error);
      },
    );
  },
  loadLatentTable: () => {
    const project = currentProject(get());
    if (!project?.sae || project.sae.state !== 'done') return;
    const projectId = project.id;
    const saeAt = project.sae.at;
    const current = get().latentTable;
    // Already read or being read (an effect that runs twice, as in StrictMode, asks twice).
    if ((current.state === 'ready' || current.state === 'loading') && current.projectId === projectId && current.saeAt === saeAt) return;
    if (current.state === 'ready') latentTables.delete(current.tableId);
    set({ latentTable: { state: 'loading', projectId, saeAt } });
    rerunning(set, 'table');
    runtimeClient.runJob('latent-table', { projectId }).then(
      (table) => {
        set({ latentTable: { state: 'ready', projectId, tableId: latentTables.add(table), saeAt } });
        get().loadLatentLabels(projectId, saeAt, project.prompts?.attributes ?? null);
        const k = get().selectedLatent;
        if (k !== null) get().selectLatent(k < table.m ? k : null);
      },
      (error: unknown) => set({ latentTable: interruptedBy(set, 'table', error, projectId) ? { state: 'idle' } : { state: 'failed', projectId, reason: (error as Error).message } }),
    );
  },
  selectLatent: (latent) => {
    set({ selectedLatent: latent });
    history.replaceState(null, '', latent === null ? '#latents' : `#latents/${latent}`);
    const t = get().latentTable;
    if (latent === null || t.state !== 'ready') return;
    const table = latentTables.get(t.tableId);
    // The images of its top-activating tokens, best first, each once.
    const images: number[] = [];
    for (let i = 0; i < table.topCount[latent] && images.length < MAP_IMAGES; i++) {
      const n = Math.floor(table.topToken[latent * table.topN + i] / (table.P * table.rowsPerPosition));
      if (!images.includes(n)) images.push(n);
    }
    const seed = 0;
    const random = randomExamples(table, latent, seed);
    if (images.length === 0) {
      const never = 'it never fired on the measured tokens';
      set({
        latentMaps: { latent, images, maps: new Float32Array(0) },
        latentMapsLoading: false,
        latentExamples: { latent, seed, state: 'none', reason: never, measuring: null },
        latentCoFiring: { latent, state: 'none', reason: never },
      });
      return;
    }
    rerunning(set, 'maps');
    set({
      latentMapsLoading: true,
      latentCoFiring: { latent, state: 'loading' },
      latentExamples: random ? { latent, seed, state: 'loading', images: random } : { latent, seed, state: 'none', reason: 'the statistics predate the random sample of firing images', measuring: null },
    });
    const mine = () => get().selectedLatent === latent;
    // One encode for the top images and the random ones: maps [top + random, P].
    const requested = [...images, ...(random ?? [])];
    const projectId = t.projectId;
    // The maps first, then the co-firing latents (for an older project, after measuring its spatial statistics).
    const loadCoFiring = async () => {
      const onProgress = (m: JobProgress) => {
        if (mine()) set({ latentExamples: { latent, seed, state: 'none', reason: 'measuring the spatial statistics', measuring: { done: m.loaded, total: m.total ?? 0 } } });
      };
      const { coFiring, table: measured } = await runtimeClient.runJob('latent-cofiring', { projectId, latent }, onProgress);
      const now = get().latentTable;
      if (measured && now.state === 'ready' && now.projectId === projectId) {
        latentTables.delete(now.tableId);
        set({ latentTable: { ...now, tableId: latentTables.add(measured) } });
        if (mine()) get().drawLatentExamples(latent, seed);
      }
      if (mine()) set({ latentCoFiring: { state: 'ready', ...coFiring } });
    };
    runtimeClient
      .runJob('latent-maps', { projectId, latent, images: requested })
      .then((m) => {
        if (!mine()) return;
        set({ latentMaps: { latent, images, maps: m.maps.slice(0, images.length * table.P) }, latentMapsLoading: false });
        if (random) set({ latentExamples: { latent, seed, state: 'ready', images: random, maps: m.maps.slice(images.length * table.P) } });
        return loadCoFiring();
      })
      .catch((error: unknown) => {
        if (mine()) {
          set({ latentMapsLoading: false });
          if (get().latentCoFiring?.state === 'loading') set({ latentCoFiring: { latent, state: 'failed', reason: (error as Error).message } });
        }
        interruptedBy(set, 'maps', error, projectId);
        get().reportJobError('Latent maps', error);
      });
  },
});

/** Strength of a feature icon, in units of the latent's mean activation. */
const FEATURE_ICON_ALPHA = 8;

/** Top-activating images shown per latent. */
export const MAP_IMAGES = 6;
/** Random activating examples shown per latent. */
export const RANDOM_IMAGES = 6;

/** Latent k's random activating examples for `seed` from the table's image sample; null when the table has none. */
export function randomExamples(table: LatentTable, k: number, seed: number): number[] | null {
  if (!table.spatial) return null;
  return drawImages(sampledImages({ size: table.spatial.sampleSize, image: table.spatial.sample }, k), RANDOM_IMAGES, seed);
}
