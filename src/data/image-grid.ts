import type { RgbaPixels } from './png';

/** Images of one size laid out row by row, `columns` to a row: a sweep's strip, or an image's previews side by side, as one PNG. */
export function imageGrid(images: readonly RgbaPixels[], columns: number): RgbaPixels {
  if (images.length === 0) throw new RangeError('imageGrid needs at least one image');
  const { width: w, height: h } = images[0];
  if (images.some((im) => im.width !== w || im.height !== h)) throw new RangeError(`imageGrid: every image must be ${w}×${h}`);
  const rows = Math.ceil(images.length / columns);
  const width = columns * w;
  const data = new Uint8ClampedArray(width * rows * h * 4);
  images.forEach((image, i) => {
    const x0 = (i % columns) * w;
    const y0 = Math.floor(i / columns) * h;
    for (let y = 0; y < h; y++) data.set(image.data.subarray(y * w * 4, (y + 1) * w * 4), ((y0 + y) * width + x0) * 4);
  });
  return { width, height: rows * h, data };
}
