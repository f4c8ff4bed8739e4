import type { StateCreator } from 'zustand';
import { images } from './model-slice';
import { loadProjectImage } from './project-images';
import { PROJECT_FILES } from '../data/opfs-project';
import { currentProject } from './project-slice';
import type { CollectSettings } from './project-record';
import { runtimeClient } from './runtime-client';
import { isCancelled, isDeviceLost } from '../worker/job-error';
import type { CollectEvent } from '../worker/jobs/collect-job';
import type { LabState } from './store';

/** Thumbnails shown at once: the most recent images. */
export const THUMBNAILS_SHOWN = 48;

export interface CollectJob {
  projectId: string;
  done: number;
  total: number;
  imagesPerSecond: number;
  etaSeconds: number | null;
  /** The image being generated, its UNet call, and its latest per-call preview. */
  image: number | null;
  call: number;
  calls: number;
  previewId: string | null;
}

/**
 * What a collection is doing, in words, even before an image's first UNet call
 * reports (the Collect page's line and the example's progress say the same).
 * Images are counted as done + 1 of total, which a resumed collection keeps right.
 */
export function collectActivity(job: CollectJob, modelLoading: boolean): string {
  if (job.image === null) return modelLoading ? 'loading the model…' : `starting image ${job.done + 1} of ${job.total}…`;
  return `generating image ${Math.min(job.done + 1, job.total)} of ${job.total}, UNet call ${job.call} of ${job.calls}`;
}

export interface CollectSlice {
  collectJob: CollectJob | null;
  /** Recent finished images of the open project: image index → image registry id, newest last. */
  thumbnails: { index: number; imageId: string }[];
  startCollect: (settings: CollectSettings, resume: boolean) => void;
  cancelCollect: () => void;
  /** Reads the open project's last saved images (after a reload or a project switch). */
  loadThumbnails: () => Promise<void>;
}

/** Cancels the running collection (kept out of the store). */
let collectCancel: AbortController | null = null;
/** Counts loadThumbnails calls, so a superseded one frees its images instead of showing them. */
let thumbnailLoads = 0;

export const createCollectSlice: StateCreator<LabState, [], [], CollectSlice> = (set, get) => ({
  collectJob: null,
  thumbnails: [],
  startCollect: (settings, resume) => {
    const project = currentProject(get());
    if (!project?.prompts) return;
    const projectId = project.id;
    const prompts = project.prompts;
    const previous = resume ? project.collect : null;
    const started = performance.now();
    const secondsBefore = previous?.seconds ?? 0;
    const total = prompts.entries.length;
    get().updateProject(projectId, (p) => ({
      ...p,
      collect: { settings, promptsAt: prompts.at, state: 'running', done: previous?.done ?? 0, total, bytes: previous?.bytes ?? 0, seconds: secondsBefore, at: 0 },
    }));
    if (!resume) set({ thumbnails: [] });
    const elapsed = () => secondsBefore + (performance.now() - started) / 1000;
    const finish = (state: 'done' | 'interrupted' | 'failed', extra: { bytes?: number; reason?: string } = {}) => {
      const job = get().collectJob;
      if (job?.previewId) images.delete(job.previewId);
      set({ collectJob: null });
      get().updateProject(projectId, (p) => (p.collect ? { ...p, collect: { ...p.collect, state, seconds: elapsed(), at: state === 'done' ? Date.now() : 0, ...extra } } : p));
      void get().measureProject(projectId);
    };
    const cancel = (collectCancel = new AbortController());
    set({ collectJob: { projectId, done: previous?.done ?? 0, total, imagesPerSecond: 0, etaSeconds: null, image: null, call: 0, calls: 0, previewId: null } });
    const request = { projectId, prompts: typeof settings.fixedSeed === 'number' ? prompts.entries.map((e) => ({ ...e, seed: settings.fixedSeed as number })) : prompts.entries, sampler: settings.sampler, recordCalls: settings.recordCalls, dtype: settings.dtype, resume };
    const onEvent = (m: CollectEvent) => {
      const job = get().collectJob;
      if (m.type === 'step' && job) {
        if (job.previewId) images.delete(job.previewId);
        const previewId = m.preview ? images.add({ width: m.preview.width, height: m.preview.height, rgba: new Uint8ClampedArray(m.preview.rgba) }) : null;
        set({ collectJob: { ...job, image: m.image ?? null, call: m.call + 1, calls: m.calls, previewId } });
      } else if (m.type === 'collected' && job) {
        const imageId = images.add({ width: m.thumbnail.width, height: m.thumbnail.height, rgba: new Uint8ClampedArray(m.thumbnail.rgba) });
        set((s) => ({
          collectJob: { ...job, done: m.done, imagesPerSecond: m.imagesPerSecond, etaSeconds: m.etaSeconds },
          thumbnails: keepRecent([...s.thumbnails, { index: m.index, imageId }]),
        }));
        get().updateProject(projectId, (p) => (p.collect ? { ...p, collect: { ...p.collect, done: m.done, seconds: elapsed() } } : p));
      }
    };
    runtimeClient.runJob('collect', request, onEvent, { signal: cancel.signal }).then(
      (m) => finish(m.complete ? 'done' : 'interrupted', { bytes: m.bytes }),
      (error: unknown) => {
        // A lost device pauses the collection: the finished images are in the file, and Resume continues after them.
        if (isDeviceLost(error)) finish('interrupted', { reason: `Paused by a lost GPU device after ${get().collectJob?.done ?? 0} of ${total} images — Resume continues from there.` });
        else finish(isCancelled(error) ? 'interrupted' : 'failed', isCancelled(error) ? {} : { reason: (error as Error).message });
        get().reportJobError('Collect', error);
      },
    );
  },
  cancelCollect: () => collectCancel?.abort(),
  loadThumbnails: async () => {
    const project = currentProject(get());
    const load = ++thumbnailLoads;
    for (const t of get().thumbnails) images.delete(t.imageId);
    set({ thumbnails: [] });
    if (!project?.collect) return;
    const found: { index: number; imageId: string }[] = [];
    // Newest images are the highest indices (collections run in order).
    for (let n = project.collect.total - 1; n >= 0 && found.length < THUMBNAILS_SHOWN; n--) {
      const image = await loadProjectImage(project.id, PROJECT_FILES.image(n));
      if (image) found.unshift({ index: n, imageId: images.add({ width: image.width, height: image.height, rgba: new Uint8ClampedArray(image.rgba) }) });
    }
    // A newer load started meanwhile (StrictMode runs the Collect page's effect twice; another project opened): it shows its own.
    if (load === thumbnailLoads && currentProject(get())?.id === project.id) set({ thumbnails: found });
    else for (const t of found) images.delete(t.imageId);
  },
});

function keepRecent(list: { index: number; imageId: string }[]): { index: number; imageId: string }[] {
  if (list.length <= THUMBNAILS_SHOWN) return list;
  for (const t of list.slice(0, list.length - THUMBNAILS_SHOWN)) images.delete(t.imageId);
  return list.slice(-THUMBNAILS_SHOWN);
}
