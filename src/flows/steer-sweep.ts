/**
 * A steering sweep: one prompt steered at `count` strengths from −max to
 * +max in each of three windows of UNet calls (the early, middle and late
 * thirds of the run), so one click shows how the change grows with α and
 * when in the run it takes. Every image is an ordinary steered run of the
 * session, so it re-runs only the calls from its window's first call on,
 * from the cached unsteered run: the early window re-runs every call, the
 * late one the last third. Strength 0 is the unsteered image itself and is
 * not re-run.
 *
 * Several latents sweep together in the proportions and signs of their α:
 * at strength t latent j gets α_j · t / max_i |α_i|, so the largest latent
 * goes from −max to +max and t = +max points the way the α's do.
 */
import type { AttributeReading } from '../diffusion/attribute-probe';
import type { SamplerSettings } from '../diffusion/denoise';
import type { RgbaImage } from '../diffusion/rgba-image';
import { pixelChange } from '../analysis/pixel-change';
import type { SteeringSession, SteerRequest } from './steer-image';

export const SWEEP_WINDOWS = ['early', 'middle', 'late'] as const;
export type SweepWindowName = (typeof SWEEP_WINDOWS)[number];

export interface SweepRequest extends Omit<SteerRequest, 'window' | 'onCall' | 'ablate'> {
  /** Strengths per window (≥ 2), evenly from −max to +max. */
  count: number;
  /** The largest strength, in the request's unit (> 0). */
  max: number;
}

/** One image of the sweep. */
export interface SweepCell {
  window: SweepWindowName;
  /** UNet calls start ≤ i < end steered. */
  calls: [number, number];
  /** The sweep's strength t, and each latent's α at it. */
  strength: number;
  latents: { latent: number; alpha: number }[];
  image: RgbaImage;
  /** UNet calls this image re-ran (0 for strength 0: the unsteered image). */
  callsRun: number;
  /** Mean absolute RGB change from the unsteered image (0–255). */
  pixelChange: number;
  /** The model's attribute probe on the image (null without a probe). */
  reading: Record<string, AttributeReading> | null;
}

/** The early, middle and late thirds of `calls` UNet calls. */
export function sweepWindows(calls: number): { name: SweepWindowName; calls: [number, number] }[] {
  if (!Number.isInteger(calls) || calls < SWEEP_WINDOWS.length) throw new RangeError(`a sweep splits the run into ${SWEEP_WINDOWS.length} windows; the run has ${calls} UNet calls`);
  const edge = (i: number) => Math.round((i * calls) / SWEEP_WINDOWS.length);
  return SWEEP_WINDOWS.map((name, i) => ({ name, calls: [edge(i), edge(i + 1)] }));
}

/** `count` strengths evenly from −max to +max. */
export function sweepStrengths(count: number, max: number): number[] {
  if (!Number.isInteger(count) || count < 2) throw new RangeError(`a sweep needs at least 2 strengths, got ${count}`);
  if (!(max > 0) || !Number.isFinite(max)) throw new RangeError(`a sweep's largest strength must be a positive number, got ${max}`);
  return Array.from({ length: count }, (_, i) => (i === (count - 1) / 2 ? 0 : -max + (2 * max * i) / (count - 1)));
}

/** Each latent's α at strength t: α_j · t / max_i |α_i|. */
export function sweepMix(latents: readonly { latent: number; alpha: number }[], strength: number): { latent: number; alpha: number }[] {
  const largest = Math.max(...latents.map((l) => Math.abs(l.alpha)));
  if (!(largest > 0)) throw new RangeError('a sweep scales the latents’ α: give at least one latent a non-zero α');
  return latents.map(({ latent, alpha }) => ({ latent, alpha: (alpha * strength) / largest }));
}

/**
 * Runs the sweep window by window, strength by strength; `onProgress` hears
 * what is being made next (from the unsteered run on), `onCell` each image as
 * it is made. `read` is the model's attribute probe, when it has one.
 */
export async function steerSweep(
  session: SteeringSession,
  prompt: string,
  seed: number,
  sampler: SamplerSettings,
  request: SweepRequest,
  options: {
    negativePrompt?: string;
    read?: (image: RgbaImage) => Promise<Record<string, AttributeReading>>;
    onProgress?: (doing: string, done: number, total: number) => void;
    onCell?: (cell: SweepCell, index: number, total: number) => void | Promise<void>;
  } = {},
): Promise<{ unsteered: RgbaImage; unsteeredReading: Record<string, AttributeReading> | null; cells: SweepCell[]; calls: number }> {
  const strengths = sweepStrengths(request.count, request.max);
  // A mix with no non-zero α fails here, before any run.
  sweepMix(request.latents, 1);
  const total = strengths.length * SWEEP_WINDOWS.length;
  options.onProgress?.('the unsteered image (made once; every image of the sweep starts from it)', 0, total);
  const unsteered = await session.unsteered(prompt, seed, sampler, options.negativePrompt, request.signal);
  const calls = unsteered.timesteps.length;
  const unsteeredReading = options.read ? await options.read(unsteered.image) : null;
  const { width, height } = unsteered.image;
  const cells: SweepCell[] = [];
  for (const window of sweepWindows(calls)) {
    for (const strength of strengths) {
      const latents = sweepMix(request.latents, strength);
      options.onProgress?.(`image ${cells.length + 1} of ${total}: ${window.name} calls ${window.calls[0]}–${window.calls[1] - 1}, strength ${strength.toPrecision(3)}`, cells.length, total);
      let image = unsteered.image;
      let callsRun = 0;
      if (strength !== 0) {
        const { steered } = await session.steer(prompt, seed, sampler, { ...request, latents, window: window.calls }, options.negativePrompt);
        image = steered.image;
        callsRun = steered.callsRun;
      }
      const cell: SweepCell = {
        window: window.name,
        calls: window.calls,
        strength,
        latents,
        image,
        callsRun,
        pixelChange: pixelChange(unsteered.image.data, image.data, width, height, null, 1, 1).all,
        reading: strength === 0 ? unsteeredReading : options.read ? await options.read(image) : null,
      };
      cells.push(cell);
      await options.onCell?.(cell, cells.length - 1, total);
    }
  }
  return { unsteered: unsteered.image, unsteeredReading, cells, calls };
}
