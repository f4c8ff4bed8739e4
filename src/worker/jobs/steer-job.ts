/**
 * Steer in the worker: the project's SAE latents added to (or ablated from)
 * a new generation of the loaded model, through one SteeringSession per
 * project and model, so the unsteered run is cached and a slider move only
 * re-runs the steered calls. On the toy model the attribute probe reads both
 * images. Per-call previews come from the model's preview (its preview
 * decoder, else its latent → RGB map), made after the runs: a decoder run must
 * not overlap the UNet's.
 */
import { readAttributes } from '../../diffusion/attribute-probe';
import type { DiffusionModel } from '../../diffusion/diffusion-model';
import type { ModelSession } from '../../diffusion/ort-runtime';
import type { SamplerSettings } from '../../diffusion/denoise';
import type { SchedulerName } from '../../diffusion/schedulers';
import { imageLatentActivations } from '../../flows/latent-activations';
import { SteeringSession } from '../../flows/steer-image';
import type { PixelsMessage, RuntimeRequest } from '../runtime-protocol';
import type { JobContext } from './job-context';
import { projectSae, type ProjectSae } from './project-sae';

let session: { key: string; session: SteeringSession } | null = null;

/** The project's steering session for this model (kept while both stay the same), the SAE, and the collection's sampler. */
async function sessionFor(model: DiffusionModel, projectId: string): Promise<{ session: SteeringSession; source: ProjectSae; sampler: SamplerSettings }> {
  const source = await projectSae(projectId);
  const key = `${projectId} ${model.id} ${source.cfg.d_sae} ${source.stats.statistics.tokens}`;
  if (session?.key !== key) session = { key, session: new SteeringSession(model, { dynamics: source.dynamics, sae: source.sae, cfg: source.cfg, meanActivations: source.stats.statistics.meanActivation }) };
  const recorded = source.reader.meta.sampler;
  if (!recorded) throw new Error('the trajectory file does not say how its images were generated (no sampler metadata); steer needs the collection’s sampler');
  // The SAE's steps are UNet calls of this sampler's run: steering uses the same one.
  return { session: session.session, source, sampler: { scheduler: recorded.scheduler as SchedulerName, steps: recorded.steps, guidance: recorded.guidance } };
}

/** Which latents fire for a prompt: it is generated (the unsteered run, cached for steering) and every latent's mean and maximum activation over its positions measured. */
export async function promptLatentsJob(model: DiffusionModel, request: Extract<RuntimeRequest, { type: 'prompt-latents' }>, job: JobContext): Promise<void> {
  const { session, source, sampler } = await sessionFor(model, request.projectId);
  const run = await session.unsteered(request.prompt, request.seed, sampler, '', job.signal);
  const m = source.sae.config.latents;
  const f = await imageLatentActivations(model.gpu, source.dynamics, source.sae, run.trajectory!, Array.from({ length: m }, (_, k) => k));
  const width = f.length / m;
  const mean = new Float32Array(m);
  const max = new Float32Array(m);
  for (let k = 0; k < m; k++) {
    for (let q = 0; q < width; q++) {
      mean[k] += f[k * width + q] / width;
      max[k] = Math.max(max[k], f[k * width + q]);
    }
  }
  job.post({ type: 'prompt-latents', id: job.id, mean, max }, [mean.buffer, max.buffer]);
}

export async function steerJob(model: DiffusionModel, probe: ModelSession | null, request: Extract<RuntimeRequest, { type: 'steer' }>, job: JobContext): Promise<void> {
  const started = performance.now();
  const { session: steering, sampler } = await sessionFor(model, request.projectId);
  const steeredAfter = new Map<number, Float32Array>();
  const result = await steering.steer(
    request.prompt,
    request.seed,
    sampler,
    {
      latents: request.latents,
      window: request.window ?? undefined,
      mask: request.mask,
      ablate: request.ablate,
      conditionalOnly: request.conditionalOnly,
      signal: job.signal,
      onCall: (call, _calls, latent) => {
        steeredAfter.set(call, latent.slice());
      },
    },
    request.negativePrompt,
  );
  // The latent after call c: the unsteered run's checkpoint before c + 1 (its final latent after the last call).
  const { checkpoints, latent: finalLatent } = result.unsteered;
  const unsteeredAfter = await previewStrip(model, checkpoints.map((_, c) => (c + 1 < checkpoints.length ? checkpoints[c + 1].latent : finalLatent)));
  let previews: { unsteered: PixelsMessage[]; steered: PixelsMessage[] } | null = null;
  if (unsteeredAfter) {
    const steeredStrip = (await previewStrip(model, [...steeredAfter.values()])) ?? [];
    const byCall = new Map([...steeredAfter.keys()].map((call, i) => [call, steeredStrip[i]]));
    // Calls before the steering window were not re-run: the steered strip shows the unsteered previews there.
    previews = { unsteered: unsteeredAfter, steered: unsteeredAfter.map((u, c) => byCall.get(c) ?? { ...u, rgba: u.rgba.slice(0) }) };
  }
  const readings = probe ? { unsteered: await readAttributes(probe, model.manifest, result.unsteered.image), steered: await readAttributes(probe, model.manifest, result.steered.image) } : null;
  const pixels = (image: { width: number; height: number; data: Uint8ClampedArray }) => ({ width: image.width, height: image.height, rgba: new Uint8ClampedArray(image.data).buffer });
  const unsteered = pixels(result.unsteered.image);
  const steered = pixels(result.steered.image);
  job.post(
    { type: 'steered', id: job.id, unsteered, steered, previews, readings, meanActivations: result.meanActivations, callsRun: result.steered.callsRun, seconds: (performance.now() - started) / 1000 },
    [unsteered.rgba, steered.rgba, ...(previews ? [...previews.unsteered, ...previews.steered].map((p) => p.rgba) : [])],
  );
}

/** Previews of latents [C, h, w], one after another (the model's sessions take one run at a time); null when the model has no preview. */
async function previewStrip(model: DiffusionModel, latents: readonly Float32Array[]): Promise<PixelsMessage[] | null> {
  const strip: PixelsMessage[] = [];
  for (const latent of latents) {
    const image = await model.preview(latent);
    if (!image) return null;
    strip.push({ width: image.width, height: image.height, rgba: image.data.buffer as ArrayBuffer });
  }
  return strip;
}
