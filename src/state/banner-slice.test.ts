import { beforeEach, describe, expect, it } from 'vitest';
import { JobError } from '../worker/job-error';
import { useLab } from './store';

describe('the error banner', () => {
  beforeEach(() => useLab.setState({ banner: [] }));

  it('keeps one entry per source and message, counting repeats', () => {
    const { reportError } = useLab.getState();
    reportError('Self-test', new Error('GPU validation error: bad binding'));
    reportError('Self-test', new Error('GPU validation error: bad binding'));
    reportError('GPU device', 'GPU validation error: bad binding');
    const banner = useLab.getState().banner;
    expect(banner.map((e) => [e.source, e.message, e.count])).toEqual([
      ['Self-test', 'GPU validation error: bad binding', 2],
      ['GPU device', 'GPU validation error: bad binding', 1],
    ]);
  });

  it('removes exactly the dismissed entry', () => {
    const { reportError } = useLab.getState();
    reportError('Page', 'first');
    reportError('Page', 'second');
    const [first] = useLab.getState().banner;
    useLab.getState().dismissError(first.id);
    expect(useLab.getState().banner.map((e) => e.message)).toEqual(['second']);
  });

  it("shows a job error's hint, by its kind or its own, and never a cancelled job", () => {
    const { reportJobError } = useLab.getState();
    reportJobError('Train', new JobError('gpu-limit', 'W_enc needs 2.1 GB; this GPU binds at most 1 GB'));
    reportJobError('Fit', new JobError('bad-input', 'no trajectories', 'Collect first (the Collect page).'));
    reportJobError('Collect', new JobError('cancelled', 'stopped'));
    reportJobError('Page', new Error('plain'));
    expect(useLab.getState().banner.map((e) => [e.source, e.hint])).toEqual([
      ['Train', 'Use smaller sizes (fewer latents, a smaller batch or fewer images), or a GPU with higher limits.'],
      ['Fit', 'Collect first (the Collect page).'],
      ['Page', null],
    ]);
  });
});
