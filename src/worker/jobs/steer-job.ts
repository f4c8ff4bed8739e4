/**
 * Steer in the worker: the project's SAE latents added to (or ablated from)
 * a new generation of the loaded model, through the project's steering
 * session (steering-session.ts), so the unsteered run is cached and a slider
 * move only re-runs the steered calls. On the toy model the attribute probe reads both
 * images. Per-call previews come from the model's preview (its preview
 * decoder, else its latent → RGB map), made after the runs: a decoder run must
 * not overlap the UNet's.
 */
import { readAttributes, type AttributeReading } from '../../diffusion/attribute-probe';
import type { DiffusionModel } from '../../diffusion/diffusion-model';
import type { GenerateResult } from '../../diffusion/denoise';
import type { ModelSession } from '../../diffusion/ort-runtime';
import type { StrengthUnit } from '../../diffusion/steering-units';
import type { RgbaImage } from '../../diffusion/vae-image';
import { hookedModel, modelProbe } from '../loaded-model';
import { Transferred, type JobContext, type JobProgress } from './job-context';
import { pixelsOf, type PixelsMessage } from './pixels';
import { measureNorms } from './project-activation-norms';
import { sessionFor } from './steering-session';

/** A prompt generated unsteered (cached) and steered with the project's SAE latents. */
export interface SteerRequest {
  projectId: string;
  prompt: string;
  negativePrompt: string;
  seed: number;
  latents: { latent: number; alpha: number }[];
  /** What one unit of α is (diffusion/steering-units.ts); absent: m_k, as the feature icons use it. */
  unit?: StrengthUnit;
  window: [number, number] | null;
  mask: Float32Array | null;
  ablate: boolean;
  conditionalOnly: boolean;
}

/**
 * `previews`: per UNet call, the latent left by that call through the model's preview, for both runs (null without one).
 * `readings`: the toy's attribute probe on both images (null for a model without a probe).
 */
export interface SteerResult {
  unsteered: PixelsMessage;
  steered: PixelsMessage;
  previews: { unsteered: PixelsMessage[]; steered: PixelsMessage[] } | null;
  readings: { unsteered: Record<string, AttributeReading>; steered: Record<string, AttributeReading> } | null;
  /** m_k of each latent (null where unknown and not needed). */
  meanActivations: (number | null)[];
  /** c_k: each latent's activation per unit of α in the request's unit. */
  scales: number[];
  /** n_s, the hook's mean activation norm per recorded step (norm unit only). */
  activationNorms: number[] | null;
  callsRun: number;
  seconds: number;
}

export async function steerJob(request: SteerRequest, job: JobContext<JobProgress>): Promise<Transferred<SteerResult>> {
  const started = performance.now();
  const model = hookedModel('steering needs the model loaded with the SAE’s hook: load it on the Model page');
  const probe = await modelProbe(model);
  const { session: steering, sampler } = await sessionFor(model, request.projectId);
  if (request.unit === 'norm') await measureNorms(request.projectId, job);
  const steeredAfter = new Map<number, Float32Array>();
  const result = await steering.steer(
    request.prompt,
    request.seed,
    sampler,
    {
      latents: request.latents,
      unit: request.unit,
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
  return new Transferred(
    { unsteered, steered, previews, readings, meanActivations: result.meanActivations, scales: result.scales, activationNorms: result.activationNorms, callsRun: result.steered.callsRun, seconds: (performance.now() - started) / 1000 },
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
