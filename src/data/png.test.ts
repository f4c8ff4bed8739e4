import * as zlib from 'node:zlib';
import { describe, expect, it } from 'vitest';
import { seededRandom } from '../gpu/random';
import { encodePng } from './png';

/** A minimal independent PNG reader for the test: chunks, zlib inflate, filter-0 scanlines. */
function readPng(bytes: Uint8Array): { width: number; height: number; data: Uint8Array; crcOk: boolean } {
  const buf = Buffer.from(bytes);
  expect([...buf.subarray(0, 8)]).toEqual([137, 80, 78, 71, 13, 10, 26, 10]);
  let offset = 8;
  let width = 0;
  let height = 0;
  const idat: Buffer[] = [];
  let crcOk = true;
  while (offset < buf.length) {
    const length = buf.readUInt32BE(offset);
    const type = buf.toString('latin1', offset + 4, offset + 8);
    const data = buf.subarray(offset + 8, offset + 8 + length);
    const crc = buf.readUInt32BE(offset + 8 + length);
    // zlib's crc32 is independent of ours (node ≥ 20.15 / 22 has zlib.crc32).
    const { crc32 } = zlib as { crc32?: (b: Buffer) => number };
    if (crc32) crcOk &&= crc32(buf.subarray(offset + 4, offset + 8 + length)) === crc;
    if (type === 'IHDR') {
      width = data.readUInt32BE(0);
      height = data.readUInt32BE(4);
      expect([...data.subarray(8)]).toEqual([8, 6, 0, 0, 0]);
    }
    if (type === 'IDAT') idat.push(data);
    offset += 12 + length;
  }
  const raw = zlib.inflateSync(Buffer.concat(idat));
  const out = new Uint8Array(width * height * 4);
  for (let y = 0; y < height; y++) {
    expect(raw[y * (1 + width * 4)]).toBe(0);
    out.set(raw.subarray(y * (1 + width * 4) + 1, (y + 1) * (1 + width * 4)), y * width * 4);
  }
  return { width, height, data: out, crcOk };
}

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
