import { describe, expect, it } from 'vitest';
import { mostMovedAttribute, visibleFrom } from './steer-guide';

const reading = (color: string) => ({ color: { value: color, probabilities: { [color]: 1 } } });

describe('visibleFrom', () => {
  it('finds the smallest strength whose image changed by 5 of 255', () => {
    const cells = [
      { window: 'early', strength: -2, pixelChange: 9, reading: reading('blue') },
      { window: 'early', strength: 0, pixelChange: 0, reading: reading('blue') },
      { window: 'early', strength: 2, pixelChange: 4, reading: reading('blue') },
      { window: 'late', strength: -1, pixelChange: 1, reading: reading('red') },
      { window: 'late', strength: 0, pixelChange: 0, reading: reading('blue') },
      { window: 'late', strength: 1, pixelChange: 0.5, reading: reading('blue') },
    ];
    expect(visibleFrom(cells)).toEqual({ strength: 2, window: 'early' });
    expect(visibleFrom(cells.filter((c) => c.window === 'late'))).toBeNull();
  });
});

describe('mostMovedAttribute', () => {
  it('picks the attribute whose probabilities moved most from each window’s unsteered reading, not the one that flipped most often', () => {
    const read = (shape: [number, number], color: [number, number]) => ({
      shape: { value: shape[0] > shape[1] ? 'square' : 'circle', probabilities: { square: shape[0], circle: shape[1] } },
      color: { value: color[0] > color[1] ? 'blue' : 'red', probabilities: { blue: color[0], red: color[1] } },
    });
    const cells = [
      { window: 'late', strength: 0, pixelChange: 0, reading: read([0.51, 0.49], [1, 0]) },
      { window: 'late', strength: 1, pixelChange: 3, reading: read([0.49, 0.51], [0.6, 0.4]) },
      { window: 'late', strength: 2, pixelChange: 9, reading: read([0.48, 0.52], [0.1, 0.9]) },
    ];
    expect(mostMovedAttribute(cells, null)).toBe('color');
  });
});
