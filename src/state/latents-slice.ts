import type { StateCreator } from 'zustand';
import { drawImages, sampledImages } from '../sae/latent-statistics';
import type { LatentTable, RuntimeResponse } from '../worker/runtime-protocol';
import { hookForProject, images } from './model-slice';
import { currentProject } from './project-slice';
import { Registry } from './registry';
import { runtimeClient } from './runtime-client';
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

/** The latents that co-fire with the open latent (flows/latent-cofiring.ts), best first. */
export type LatentCoFiringStatus =
  | { latent: number; state: 'loading' }
  | ({ latent: number; state: 'ready' } & Pick<Extract<RuntimeResponse, { type: 'latent-cofiring' }>, 'images' | 'exhaustive' | 'rows' | 'index' | 'jaccard' | 'conditional' | 'lift'>)
  | { latent: number; state: 'none'; reason: string };

export type LatentTableStatus =
  | { state: 'idle' }
  | { state: 'loading'; projectId: string; saeAt: number }
  | { state: 'ready'; projectId: string; tableId: string; saeAt: number }
  | { state: 'failed'; projectId: string; reason: string };

/** Per-image activation summaries of the open project's SAE, by the id the store holds. */
export const imageActivations = new Registry<{ N: number; m: number; mean: Float32Array; max: Float32Array }>('image-activations');

export type ImageActivationsStatus =
  | { state: 'idle' }
  | { state: 'running'; requestId: number; done: number; total: number }
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
}

export const createLatentsSlice: StateCreator<LabState, [], [], LatentsSlice> = (set, get) => ({
  latentTable: { state: 'idle' },
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
    runtimeClient.send({ type: 'prompt-latents', projectId: project.id, prompt, seed }, (m, done) => {
      if (m.type === 'prompt-latents') {
        done();
        set({ promptLatents: { prompt, state: 'ready', mean: m.mean, max: m.max } });
      } else if (m.type === 'error') {
        done();
        set({ promptLatents: null });
        if (!m.cancelled) get().reportError('Latents for a prompt', m.message);
      }
    });
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
    runtimeClient.send(
      { type: 'steer', projectId: project.id, prompt: '', negativePrompt: '', seed: 0, latents: [{ latent, alpha: FEATURE_ICON_ALPHA }], window: null, mask: null, ablate: false, conditionalOnly: false },
      (m, done) => {
        if (m.type === 'steered') {
          done();
          const imageId = images.add({ width: m.steered.width, height: m.steered.height, rgba: new Uint8ClampedArray(m.steered.rgba) });
          if (get().featureIcon?.latent === latent) set({ featureIcon: { latent, state: 'ready', imageId } });
          else images.delete(imageId);
        } else if (m.type === 'error') {
          done();
          set({ featureIcon: null });
          if (!m.cancelled) get().reportError('Feature icon', m.message);
        }
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
    const requestId = runtimeClient.send({ type: 'image-activations', projectId }, (m, done) => {
      if (m.type === 'progress') set({ imageActivationsStatus: { state: 'running', requestId, done: m.loaded, total: m.total ?? 0 } });
      else if (m.type === 'image-activations') {
        done();
        set({ imageActivationsStatus: { state: 'ready', id: imageActivations.add({ N: m.N, m: m.m, mean: m.mean, max: m.max }), saeAt, projectId } });
      } else if (m.type === 'error') {
        done();
        set({ imageActivationsStatus: { state: 'idle' } });
        if (!m.cancelled) get().reportError('Latents', m.message);
      }
    });
    set({ imageActivationsStatus: { state: 'running', requestId, done: 0, total: 0 } });
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
    // Only the maps are wanted: the rest of the job (co-firing) is the open latent's already.
    const id = runtimeClient.send({ type: 'latent-maps', projectId: t.projectId, latent, images }, (m, done) => {
      if (m.type === 'latent-maps') {
        done();
        runtimeClient.cancel(id);
        if (mine()) set({ latentExamples: { latent, seed, state: 'ready', images, maps: m.maps } });
      } else if (m.type === 'error') {
        done();
        if (mine()) set({ latentExamples: { latent, seed, state: 'none', reason: m.message, measuring: null } });
        if (!m.cancelled) get().reportError('Random examples', m.message);
      }
    });
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
    runtimeClient.send({ type: 'latents', projectId }, (m, done) => {
      if (m.type === 'latent-table') {
        done();
        set({ latentTable: { state: 'ready', projectId, tableId: latentTables.add(m.table), saeAt } });
        const k = get().selectedLatent;
        if (k !== null) get().selectLatent(k < m.table.m ? k : null);
      } else if (m.type === 'error') {
        done();
        set({ latentTable: { state: 'failed', projectId, reason: m.message } });
      }
    });
    set({ latentTable: { state: 'loading', projectId, saeAt } });
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
    set({
      latentMapsLoading: true,
      latentCoFiring: { latent, state: 'loading' },
      latentExamples: random ? { latent, seed, state: 'loading', images: random } : { latent, seed, state: 'none', reason: 'the statistics predate the random sample of firing images', measuring: null },
    });
    const mine = () => get().selectedLatent === latent;
    // One encode for the top images and the random ones: maps [top + random, P].
    const requested = [...images, ...(random ?? [])];
    let coFired = false;
    // Answers in order: the maps; an older project's spatial statistics (progress, then a new table);
    // the co-firing latents.
    runtimeClient.send({ type: 'latent-maps', projectId: t.projectId, latent, images: requested }, (m, done) => {
      if (m.type === 'latent-maps') {
        if (!mine()) return;
        set({ latentMaps: { latent, images, maps: m.maps.slice(0, images.length * table.P) }, latentMapsLoading: false });
        if (random) set({ latentExamples: { latent, seed, state: 'ready', images: random, maps: m.maps.slice(images.length * table.P) } });
      } else if (m.type === 'progress') {
        if (!mine()) return;
        const progress = { done: m.loaded, total: m.total ?? 0 };
        if (!coFired) set({ latentExamples: { latent, seed, state: 'none', reason: 'measuring the spatial statistics', measuring: progress } });
      } else if (m.type === 'latent-table') {
        const now = get().latentTable;
        if (now.state !== 'ready' || now.projectId !== t.projectId) return;
        latentTables.delete(now.tableId);
        set({ latentTable: { ...now, tableId: latentTables.add(m.table) } });
        if (mine()) get().drawLatentExamples(latent, seed);
      } else if (m.type === 'latent-cofiring') {
        coFired = true;
        const { images: sample, exhaustive, rows, index, jaccard, conditional, lift } = m;
        if (mine()) set({ latentCoFiring: { latent, state: 'ready', images: sample, exhaustive, rows, index, jaccard, conditional, lift } });
      } else if (m.type === 'latent-steps') {
        // The job's last answer; the page derives the per-step histograms from the table.
        done();
      } else if (m.type === 'error') {
        done();
        if (mine()) {
          set({ latentMapsLoading: false });
          if (get().latentCoFiring?.state === 'loading') set({ latentCoFiring: { latent, state: 'none', reason: m.message } });
        }
        if (!m.cancelled) get().reportError('Latent maps', m.message);
      }
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
