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
import type { GenerateResult, SamplerSettings } from '../../diffusion/denoise';
import type { RgbaImage } from '../../diffusion/vae-image';
import type { SchedulerName } from '../../diffusion/schedulers';
import { imageLatentActivations } from '../../analysis/image-latent-activations';
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
  const baseline = await unsteeredView(model, probe, result.unsteered);
  let previews: { unsteered: PixelsMessage[]; steered: PixelsMessage[] } | null = null;
  if (baseline.strip) {
    const steeredStrip = (await previewImages(model, [...steeredAfter.values()])) ?? [];
    const byCall = new Map([...steeredAfter.keys()].map((call, i) => [call, steeredStrip[i]]));
    // Calls before the steering window were not re-run: the steered strip shows the unsteered previews there.
    previews = { unsteered: baseline.strip.map(pixelsOf), steered: baseline.strip.map((u, c) => pixelsOf(byCall.get(c) ?? u)) };
  }
  const readings = probe ? { unsteered: baseline.reading ?? (await readAttributes(probe, model.manifest, result.unsteered.image)), steered: await readAttributes(probe, model.manifest, result.steered.image) } : null;
  const unsteered = pixelsOf(result.unsteered.image);
  const steered = pixelsOf(result.steered.image);
  job.post(
    { type: 'steered', id: job.id, unsteered, steered, previews, readings, meanActivations: result.meanActivations, callsRun: result.steered.callsRun, seconds: (performance.now() - started) / 1000 },
    [unsteered.rgba, steered.rgba, ...(previews ? [...previews.unsteered, ...previews.steered].map((p) => p.rgba) : [])],
  );
}

/**
 * The unsteered run's preview strip (the latent after each call) and probe
 * reading: made once per run — the session caches the run while prompt and
 * seed stay — not again on every slider move.
 */
const unsteeredViews = new WeakMap<GenerateResult, Promise<{ strip: RgbaImage[] | null; reading: Awaited<ReturnType<typeof readAttributes>> | null }>>();
function unsteeredView(model: DiffusionModel, probe: ModelSession | null, run: GenerateResult) {
  let view = unsteeredViews.get(run);
  if (!view) {
    // The latent after call c: the checkpoint before call c + 1 (the final latent after the last call).
    const { checkpoints, latent: finalLatent } = run;
    view = (async () => ({
      strip: await previewImages(model, checkpoints.map((_, c) => (c + 1 < checkpoints.length ? checkpoints[c + 1].latent : finalLatent))),
      reading: probe ? await readAttributes(probe, model.manifest, run.image) : null,
    }))();
    view.catch(() => unsteeredViews.delete(run));
    unsteeredViews.set(run, view);
  }
  return view;
}

/** Previews of latents [C, h, w], one after another (the model's sessions take one run at a time); null when the model has no preview. */
async function previewImages(model: DiffusionModel, latents: readonly Float32Array[]): Promise<RgbaImage[] | null> {
  const strip: RgbaImage[] = [];
  for (const latent of latents) {
    const image = await model.preview(latent);
    if (!image) return null;
    strip.push(image);
  }
  return strip;
}

/** An image as a message's pixels: a copy, since the message transfers its buffer (and cached images are sent again). */
function pixelsOf(image: RgbaImage): PixelsMessage {
  return { width: image.width, height: image.height, rgba: image.data.slice().buffer };
}
