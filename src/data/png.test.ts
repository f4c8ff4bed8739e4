import { describe, expect, it } from 'vitest';
import { readPng } from '../../e2e/read-png';
import { seededRandom } from '../gpu/random';
import { encodePng } from './png';

describe('encodePng', () => {
  it('round-trips random RGBA pixels of an odd size through an independent reader', async () => {
    const random = seededRandom(3);
    const [width, height] = [13, 7];
    const data = Uint8ClampedArray.from({ length: width * height * 4 }, () => Math.floor(random() * 256));
    const png = readPng(await encodePng({ width, height, data }));
    expect(png.width).toBe(width);
    expect(png.height).toBe(height);
    expect(png.crcOk).toBe(true);
    expect(Array.from(png.data)).toEqual(Array.from(data));
  });

  it('refuses data of the wrong length', async () => {
    await expect(encodePng({ width: 2, height: 2, data: new Uint8ClampedArray(15) })).rejects.toThrow(/needs 16 bytes, got 15/);
  });
});
