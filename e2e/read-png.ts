import * as zlib from 'node:zlib';

/**
 * A minimal PNG reader for tests, independent of src/data/png.ts: chunks with
 * their CRCs (zlib's crc32 where Node has it), zlib inflate, 8-bit RGBA
 * scanlines with filter 0 (what our encoder writes; anything else throws).
 */
export function readPng(bytes: Uint8Array): { width: number; height: number; data: Uint8Array; crcOk: boolean } {
  const buf = Buffer.from(bytes);
  const signature = [137, 80, 78, 71, 13, 10, 26, 10];
  if (!signature.every((b, i) => buf[i] === b)) throw new Error('not a PNG: bad signature');
  const { crc32 } = zlib as { crc32?: (b: Buffer) => number };
  let offset = 8;
  let width = 0;
  let height = 0;
  let crcOk = true;
  const idat: Buffer[] = [];
  while (offset < buf.length) {
    const length = buf.readUInt32BE(offset);
    const type = buf.toString('latin1', offset + 4, offset + 8);
    const data = buf.subarray(offset + 8, offset + 8 + length);
    if (crc32) crcOk &&= crc32(buf.subarray(offset + 4, offset + 8 + length)) === buf.readUInt32BE(offset + 8 + length);
    if (type === 'IHDR') {
      width = data.readUInt32BE(0);
      height = data.readUInt32BE(4);
      if (![...data.subarray(8)].every((b, i) => b === [8, 6, 0, 0, 0][i])) throw new Error('PNG is not 8-bit RGBA, non-interlaced');
    }
    if (type === 'IDAT') idat.push(data);
    offset += 12 + length;
  }
  const raw = zlib.inflateSync(Buffer.concat(idat));
  const out = new Uint8Array(width * height * 4);
  for (let y = 0; y < height; y++) {
    if (raw[y * (1 + width * 4)] !== 0) throw new Error(`PNG scanline ${y} uses filter ${raw[y * (1 + width * 4)]}; this reader only knows filter 0`);
    out.set(raw.subarray(y * (1 + width * 4) + 1, (y + 1) * (1 + width * 4)), y * width * 4);
  }
  return { width, height, data: out, crcOk };
}
