/**
 * How much steering changed an image, inside and outside a mask of hook
 * positions: mean absolute RGB difference (0–255) of the pixels whose
 * position (height × width grid upsampled to the image) the mask covers,
 * and of the rest.
 */
export function pixelChange(a: Uint8ClampedArray, b: Uint8ClampedArray, width: number, height: number, mask: Float32Array | null, gridH: number, gridW: number): { inside: number; outside: number; all: number } {
  let inSum = 0;
  let inCount = 0;
  let outSum = 0;
  let outCount = 0;
  for (let y = 0; y < height; y++) {
    for (let x = 0; x < width; x++) {
      const i = (y * width + x) * 4;
      const d = (Math.abs(a[i] - b[i]) + Math.abs(a[i + 1] - b[i + 1]) + Math.abs(a[i + 2] - b[i + 2])) / 3;
      const p = Math.min(gridH - 1, Math.floor((y * gridH) / height)) * gridW + Math.min(gridW - 1, Math.floor((x * gridW) / width));
      if (!mask || mask[p] > 0) {
        inSum += d;
        inCount++;
      } else {
        outSum += d;
        outCount++;
      }
    }
  }
  return { inside: inCount ? inSum / inCount : 0, outside: outCount ? outSum / outCount : 0, all: (inSum + outSum) / (inCount + outCount) };
}

/** |a − b| per pixel, amplified ×4 and clamped, as an image. */
export function differenceImage(a: Uint8ClampedArray, b: Uint8ClampedArray): Uint8ClampedArray<ArrayBuffer> {
  const out = new Uint8ClampedArray(a.length);
  for (let i = 0; i < a.length; i += 4) {
    for (let c = 0; c < 3; c++) out[i + c] = 4 * Math.abs(a[i + c] - b[i + c]);
    out[i + 3] = 255;
  }
  return out;
}
