/** An 8-bit RGBA image, row-major, as canvas ImageData and PNG files hold it. */
export interface RgbaImage {
  width: number;
  height: number;
  data: Uint8ClampedArray<ArrayBuffer>;
}

/** [3, H, W] in [-1, 1] → RGBA bytes (alpha 255), rounding to nearest. */
export function planarToRgba(planar: Float32Array, width: number, height: number): RgbaImage {
  const n = width * height;
  const data = new Uint8ClampedArray(n * 4);
  for (let i = 0; i < n; i++) {
    for (let c = 0; c < 3; c++) data[i * 4 + c] = Math.round(((planar[c * n + i] + 1) / 2) * 255);
    data[i * 4 + 3] = 255;
  }
  return { width, height, data };
}
