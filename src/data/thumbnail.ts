import type { RgbaPixels } from './png';

/** Box-filters an RGBA image down by the smallest integer factor that brings its longer side to at most `maxSide`. */
export function thumbnail(image: RgbaPixels, maxSide: number): RgbaPixels {
  const factor = Math.max(1, Math.ceil(Math.max(image.width, image.height) / maxSide));
  if (factor === 1) return { width: image.width, height: image.height, data: new Uint8ClampedArray(image.data) };
  const width = Math.floor(image.width / factor);
  const height = Math.floor(image.height / factor);
  const data = new Uint8ClampedArray(width * height * 4);
  for (let y = 0; y < height; y++) {
    for (let x = 0; x < width; x++) {
      for (let c = 0; c < 4; c++) {
        let sum = 0;
        for (let yy = 0; yy < factor; yy++) for (let xx = 0; xx < factor; xx++) sum += image.data[((y * factor + yy) * image.width + x * factor + xx) * 4 + c];
        data[(y * width + x) * 4 + c] = Math.round(sum / (factor * factor));
      }
    }
  }
  return { width, height, data };
}
