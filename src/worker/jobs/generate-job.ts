/** One image from the loaded model, with a preview after each UNet call (when the model has a preview). */
import { generate } from '../../diffusion/denoise';
import type { SchedulerName } from '../../diffusion/schedulers';
import { JobError } from '../job-error';
import { loadedModel } from '../loaded-model';
import type { JobContext } from './job-context';
import { Transferred } from './job-context';
import type { PixelsMessage } from './pixels';

export interface GenerateRequest {
  prompt: string;
  negativePrompt: string;
  seed: number;
  scheduler: SchedulerName;
  steps: number;
  guidance: number;
}

/** After each UNet call; `preview` (latent-size RGBA) when the model has a preview. `image`: a collection's image index. */
export interface StepEvent {
  type: 'step';
  call: number;
  calls: number;
  preview: PixelsMessage | null;
  image?: number;
}

export interface GenerateResult {
  image: PixelsMessage;
  seconds: number;
}

export async function generateJob(request: GenerateRequest, job: JobContext<StepEvent>): Promise<Transferred<GenerateResult>> {
  const model = loadedModel();
  if (!model) throw new JobError('bad-input', 'no model is loaded; load one first');
  const started = performance.now();
  const result = await generate(model, {
    ...request,
    signal: job.signal,
    onCall: async (call, calls, latent) => {
      const image = await model.preview(latent);
      const preview = image ? { width: image.width, height: image.height, rgba: image.data.buffer as ArrayBuffer } : null;
      job.emit({ type: 'step', call, calls, preview }, preview ? [preview.rgba] : []);
    },
  });
  const image = { width: result.image.width, height: result.image.height, rgba: result.image.data.buffer as ArrayBuffer };
  return new Transferred({ image, seconds: (performance.now() - started) / 1000 }, [image.rgba]);
}
