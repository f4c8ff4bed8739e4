/**
 * Collect in the worker: the project's prompts through the loaded, hooked
 * model into `trajectories.safetensors` in the project folder, each image
 * also saved as a PNG and sent back as a thumbnail; per-call previews while
 * an image is generated. A resumed job continues the interrupted file.
 */
import { PROJECT_FILES, ProjectFolder } from '../../data/opfs-project';
import { encodePng } from '../../data/png';
import { thumbnail } from '../../data/thumbnail';
import type { DiffusionModel } from '../../diffusion/diffusion-model';
import { latentPreview } from '../../diffusion/latent-preview';
import { collectTrajectories } from '../../flows/collect-trajectories';
import type { RuntimeRequest } from '../runtime-protocol';
import type { JobContext } from './job-context';

const THUMBNAIL_SIDE = 96;

export async function collectJob(model: DiffusionModel, request: Extract<RuntimeRequest, { type: 'collect' }>, job: JobContext): Promise<void> {
  const folder = await ProjectFolder.open(request.projectId);
  const file = await folder.randomAccess(PROJECT_FILES.trajectories);
  const m = model.manifest;
  const latentSide = m.imageSize / m.vaeScaleFactor;
  const result = await collectTrajectories(model, file, folder.progressStore(PROJECT_FILES.collectProgress), {
    prompts: request.prompts,
    sampler: request.sampler,
    recordCalls: request.recordCalls,
    dtype: request.dtype,
    resume: request.resume,
    signal: job.signal,
    onCall: (image, call, calls, latent) => {
      const p = m.previewMatrix ? latentPreview(m.previewMatrix, latent, m.latentChannels, latentSide, latentSide) : null;
      const preview = p ? { width: p.width, height: p.height, rgba: p.data.buffer as ArrayBuffer } : null;
      job.post({ type: 'step', id: job.id, call, calls, preview, image }, preview ? [preview.rgba] : []);
    },
    onImage: async (progress) => {
      await folder.writeWhole(PROJECT_FILES.image(progress.index), await encodePng(progress.image));
      const small = thumbnail(progress.image, THUMBNAIL_SIDE);
      const rgba = new Uint8ClampedArray(small.data).buffer;
      job.post(
        { type: 'collected', id: job.id, index: progress.index, done: progress.done, total: progress.total, imagesPerSecond: progress.imagesPerSecond, etaSeconds: progress.etaSeconds, thumbnail: { width: small.width, height: small.height, rgba } },
        [rgba],
      );
    },
  });
  const bytes = (await folder.file(PROJECT_FILES.trajectories))?.size ?? 0;
  job.post({ type: 'collect-done', id: job.id, complete: result.complete, generated: result.generated, bytes });
}
