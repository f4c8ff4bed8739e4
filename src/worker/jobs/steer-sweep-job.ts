/**
 * A steering sweep in the worker (flows/steer-sweep.ts): the project's
 * latents at `count` strengths from −max to +max in the early, middle and
 * late thirds of the run, each image re-run from the steering session's
 * cached unsteered run. Says what it is doing from the start (the norm pass,
 * the unsteered run), sends each image as it is made, and stops at the next
 * UNet call when cancelled.
 */
import type { AttributeReading } from '../../diffusion/attribute-probe';
import { readAttributes } from '../../diffusion/attribute-probe';
import type { StrengthUnit } from '../../diffusion/steering-units';
import { steerSweep, type SweepCell } from '../../flows/steer-sweep';
import { hookedModel, modelProbe } from '../loaded-model';
import { progress, type JobContext, type JobProgress } from './job-context';
import { pixelsOf, type PixelsMessage } from './pixels';
import { measureNorms } from './project-activation-norms';
import { sessionFor } from './steering-session';

export interface SteerSweepRequest {
  projectId: string;
  prompt: string;
  negativePrompt: string;
  seed: number;
  /** The latents and their α: the sweep scales them together (α_j · t / max |α|). */
  latents: { latent: number; alpha: number }[];
  unit: StrengthUnit;
  /** Strengths per window, evenly from −max to +max. */
  count: number;
  max: number;
  mask: Float32Array | null;
  conditionalOnly: boolean;
}

/** One image of the sweep, as the page gets it. */
export type SweepCellMessage = Omit<SweepCell, 'image'> & { image: PixelsMessage };
export type SteerSweepEvent = JobProgress | { type: 'cell'; index: number; total: number; cell: SweepCellMessage };

export interface SteerSweepResult {
  unsteered: PixelsMessage;
  unsteeredReading: Record<string, AttributeReading> | null;
  /** UNet calls the sweep ran (the unsteered run not counted), and what as many full regenerations would have run. */
  callsRun: number;
  fullCalls: number;
  seconds: number;
}

export async function steerSweepJob(request: SteerSweepRequest, job: JobContext<SteerSweepEvent>): Promise<SteerSweepResult> {
  const started = performance.now();
  const model = hookedModel('steering needs the model loaded with the SAE’s hook: load it on the Model page');
  job.emit(progress('preparing the sweep', 0, null));
  const probe = await modelProbe(model);
  const { session, sampler } = await sessionFor(model, request.projectId);
  if (request.unit === 'norm') await measureNorms(request.projectId, job);
  let callsRun = 0;
  const { unsteered, unsteeredReading, cells, calls } = await steerSweep(
    session,
    request.prompt,
    request.seed,
    sampler,
    { latents: request.latents, unit: request.unit, count: request.count, max: request.max, mask: request.mask, conditionalOnly: request.conditionalOnly, signal: job.signal },
    {
      negativePrompt: request.negativePrompt,
      read: probe ? (image) => readAttributes(probe, model.manifest, image) : undefined,
      onProgress: (doing, done, total) => job.emit(progress(doing, done, total)),
      onCell: (cell, index, total) => {
        callsRun += cell.callsRun;
        const image = pixelsOf(cell.image);
        job.emit({ type: 'cell', index, total, cell: { ...cell, image } }, [image.rgba]);
      },
    },
  );
  return { unsteered: pixelsOf(unsteered), unsteeredReading, callsRun, fullCalls: calls * cells.length, seconds: (performance.now() - started) / 1000 };
}
