import { beforeEach, describe, expect, it } from 'vitest';
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
});
