import { describe, expect, it } from 'vitest';
import { SafetensorsError } from '../data/safetensors';
import { GenerationCancelled } from '../diffusion/denoise';
import { GpuDeviceLostError, GpuLimitError } from '../gpu/errors';
import { SaeConfigError } from '../sae/sae-config';
import { classifyError } from './classify-error';
import { JobError, JOB_ERROR_HINTS } from './job-error';

const running = new AbortController().signal;

describe('classifyError', () => {
  it('gives each kind of failure its kind and what to do', () => {
    const cases: [unknown, string][] = [
      [new GpuLimitError('maxBufferSize', 2 ** 31, 2 ** 28, 'the SAE decoder'), 'gpu-limit'],
      [new GpuDeviceLostError('unknown', 'gone'), 'device-lost'],
      [new SafetensorsError('header is not valid UTF-8 JSON'), 'bad-input'],
      [new SaeConfigError('k must be at most latents'), 'bad-input'],
      [new RangeError('image 9 is outside 0..3'), 'bad-input'],
      [new Error('shader exploded'), 'failed'],
      ['a string', 'failed'],
    ];
    for (const [error, kind] of cases) {
      const classified = classifyError(error, running);
      expect(classified.kind).toBe(kind);
      expect(classified.hint).toBe(JOB_ERROR_HINTS[classified.kind]);
      expect(classified.message).toBe(error instanceof Error ? error.message : String(error));
    }
  });

  it('counts an aborted job, or one that threw a cancel, as cancelled', () => {
    const aborted = new AbortController();
    aborted.abort();
    expect(classifyError(new Error('read failed'), aborted.signal).kind).toBe('cancelled');
    expect(classifyError(new GenerationCancelled(), running).kind).toBe('cancelled');
    expect(classifyError(new DOMException('stopped', 'AbortError'), running).kind).toBe('cancelled');
  });

  it('keeps a JobError the job threw itself, and survives the trip across the worker boundary', () => {
    const own = new JobError('bad-input', 'finish the collection first', 'Collect first.');
    expect(classifyError(own, running)).toBe(own);
    const back = JobError.fromData(structuredClone(own.toData()));
    expect(back).toBeInstanceOf(JobError);
    expect([back.kind, back.message, back.hint]).toEqual(['bad-input', 'finish the collection first', 'Collect first.']);
  });
});
