import { describe, expect, it } from 'vitest';
import { visibleFrom } from './steer-guide';

const reading = (color: string) => ({ color: { value: color, probabilities: { [color]: 1 } } });

describe('visibleFrom', () => {
  it('finds the smallest strength whose image changed by 5 of 255 or whose probe reading changed', () => {
    const cells = [
      { window: 'early', strength: -2, pixelChange: 9, reading: reading('blue') },
      { window: 'early', strength: 0, pixelChange: 0, reading: reading('blue') },
      { window: 'early', strength: 2, pixelChange: 4, reading: reading('blue') },
      { window: 'late', strength: -1, pixelChange: 1, reading: reading('red') },
      { window: 'late', strength: 0, pixelChange: 0, reading: reading('blue') },
      { window: 'late', strength: 1, pixelChange: 0.5, reading: reading('blue') },
    ];
    expect(visibleFrom(cells)).toEqual({ strength: 1, window: 'late' });
    expect(visibleFrom(cells.filter((c) => c.window === 'early'))).toEqual({ strength: 2, window: 'early' });
    expect(visibleFrom(cells.map((c) => ({ ...c, pixelChange: 0, reading: null })))).toBeNull();
  });
});
