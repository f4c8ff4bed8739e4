/**
 * Collect in the worker: the project's prompts through the loaded, hooked
 * model into `trajectories.safetensors` in the project folder, each image
 * also saved as a PNG and sent back as a thumbnail; per-call previews while
 * an image is generated, and those of the recorded calls saved as the
 * image's preview strip (the Latents page draws step s's heatmap over step
 * s's preview). A resumed job continues the interrupted file.
 */
import { PROJECT_FILES, ProjectFolder } from '../../data/opfs-project';
import { encodePng } from '../../data/png';
import { previewStrip } from '../../data/preview-strip';
import { thumbnail } from '../../data/thumbnail';
import type { RgbaImage } from '../../diffusion/vae-image';
import type { ActivationDtype } from '../../data/trajectory-file';
import type { SamplerSettings } from '../../diffusion/denoise';
import { collectTrajectories, type PromptEntry } from '../../flows/collect-trajectories';
import { hookedModel } from '../loaded-model';
import type { StepEvent } from './generate-job';
import type { JobContext } from './job-context';
import type { PixelsMessage } from './pixels';

/** Record trajectories for a project's prompt set into its folder; `resume` continues an interrupted file. */
export interface CollectRequest {
  projectId: string;
  prompts: PromptEntry[];
  sampler: SamplerSettings;
  recordCalls: number[];
  dtype: ActivationDtype;
  resume: boolean;
}

/** `collected`: image `index` is finished (saved as PNG in the project folder). */
export type CollectEvent =
  | StepEvent
  | { type: 'collected'; index: number; done: number; total: number; imagesPerSecond: number; etaSeconds: number; thumbnail: PixelsMessage };

export interface CollectResult {
  complete: boolean;
  generated: number;
  bytes: number;
}

const THUMBNAIL_SIDE = 96;

export async function collectJob(request: CollectRequest, job: JobContext<CollectEvent>): Promise<CollectResult> {
  const model = hookedModel('collecting needs a loaded model with a hook: load one on the Model page');
  const folder = await ProjectFolder.open(request.projectId);
  const file = await folder.randomAccess(PROJECT_FILES.trajectories);
  // The image being generated: its previews at the recorded calls, by slot s.
  const recorded: (RgbaImage | undefined)[] = [];
  const result = await collectTrajectories(model, file, folder.progressStore(PROJECT_FILES.collectProgress), {
    prompts: request.prompts,
    sampler: request.sampler,
    recordCalls: request.recordCalls,
    dtype: request.dtype,
    resume: request.resume,
    signal: job.signal,
    onCall: async (image, call, calls, latent) => {
      if (call === 0) recorded.length = 0;
      const p = await model.preview(latent);
      const slot = request.recordCalls.indexOf(call);
      if (p && slot >= 0) recorded[slot] = { width: p.width, height: p.height, data: p.data.slice() };
      const preview = p ? { width: p.width, height: p.height, rgba: p.data.buffer as ArrayBuffer } : null;
      job.emit({ type: 'step', call, calls, preview, image }, preview ? [preview.rgba] : []);
    },
    onImage: async (progress) => {
      await folder.writeWhole(PROJECT_FILES.image(progress.index), await encodePng(progress.image));
      // Every recorded step's preview, or none (a model without a preview map): never an older collection's strip.
      const frames = Array.from({ length: request.recordCalls.length }, (_, s) => recorded[s]);
      if (frames.every((f) => f !== undefined)) await folder.writeWhole(PROJECT_FILES.previews(progress.index), await encodePng(previewStrip(frames)));
      else await folder.remove(PROJECT_FILES.previews(progress.index));
      recorded.length = 0;
      const small = thumbnail(progress.image, THUMBNAIL_SIDE);
      const rgba = new Uint8ClampedArray(small.data).buffer;
      job.emit(
        { type: 'collected', index: progress.index, done: progress.done, total: progress.total, imagesPerSecond: progress.imagesPerSecond, etaSeconds: progress.etaSeconds, thumbnail: { width: small.width, height: small.height, rgba } },
        [rgba],
      );
    },
  });
  const bytes = (await folder.file(PROJECT_FILES.trajectories))?.size ?? 0;
  return { complete: result.complete, generated: result.generated, bytes };
}
