import { SafetensorsError } from '../data/safetensors';
import { GenerationCancelled } from '../diffusion/denoise';
import { ModelContractError } from '../diffusion/ort-runtime';
import { HookNotFoundError } from '../diffusion/onnx/surgery';
import { GpuDeviceLostError, GpuLimitError } from '../gpu/errors';
import { SaeConfigError } from '../sae/sae-config';
import { JobError } from './job-error';

/** Errors that mean the request (a file, a setting, a missing stage) is wrong, not the lab. */
const BAD_INPUT = [SafetensorsError, SaeConfigError, ModelContractError, HookNotFoundError, RangeError];

/**
 * Any error a job threw, as the JobError the page receives. A job whose
 * signal was aborted counts as cancelled whatever it threw on the way out,
 * unless a lost device aborted it (the signal's reason says which).
 */
export function classifyError(error: unknown, signal: AbortSignal): JobError {
  if (error instanceof JobError) return error;
  // The page makes a new device by itself: the message says what happened, the hint what to do.
  if (signal.reason instanceof GpuDeviceLostError) return new JobError('device-lost', signal.reason.what);
  const message = error instanceof Error ? error.message : String(error);
  if (signal.aborted || error instanceof GenerationCancelled || (error instanceof DOMException && error.name === 'AbortError')) return new JobError('cancelled', message);
  if (error instanceof GpuLimitError) return new JobError('gpu-limit', message);
  if (error instanceof GpuDeviceLostError) return new JobError('device-lost', message);
  if (BAD_INPUT.some((type) => error instanceof type)) return new JobError('bad-input', message);
  return new JobError('failed', message);
}
