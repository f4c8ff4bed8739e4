import { describe, expect, it } from 'vitest';
import { readPng } from '../../e2e/read-png';
import { seededRandom } from '../gpu/random';
import { encodePng } from './png';
import { previewStrip, stripFrame } from './preview-strip';

describe('preview strip', () => {
  it('lays S frames side by side and gives each back, through a PNG and an independent reader', async () => {
    const random = seededRandom(Date.now() >>> 0);
    const [S, width, height] = [5, 3, 4];
    const frames = Array.from({ length: S }, () => ({ width, height, data: Uint8ClampedArray.from({ length: width * height * 4 }, () => Math.floor(random() * 256)) }));
    const strip = previewStrip(frames);
    expect([strip.width, strip.height]).toEqual([S * width, height]);
    // Pixel (x, y) of frame s sits at (s·width + x, y).
    for (let s = 0; s < S; s++)
      for (let y = 0; y < height; y++)
        for (let x = 0; x < width; x++) for (let c = 0; c < 4; c++) expect(strip.data[(y * S * width + s * width + x) * 4 + c]).toBe(frames[s].data[(y * width + x) * 4 + c]);
    const png = readPng(await encodePng(strip));
    for (let s = 0; s < S; s++) expect(Array.from(stripFrame({ width: png.width, height: png.height, data: png.data }, s, S).data)).toEqual(Array.from(frames[s].data));
  });

  it('refuses frames of different sizes and a strip that does not split into S frames', () => {
    const f = (w: number) => ({ width: w, height: 1, data: new Uint8ClampedArray(w * 4) });
    expect(() => previewStrip([f(2), f(3)])).toThrow(/frame 1 is 3×1/);
    expect(() => stripFrame(f(7), 0, 2)).toThrow(/7 pixels wide does not hold S = 2/);
  });
});
