/**
 * An image's per-step previews as one strip (PROJECT_FILES.previews): S
 * frames of equal size side by side, frame s the preview of recorded step s.
 * One small PNG per image instead of S, so a collection adds N files, not N·S.
 */
import { imageGrid } from './image-grid';
import type { RgbaPixels } from './png';

/** Frames [S] of one size → one RGBA image S·width wide. */
export function previewStrip(frames: readonly RgbaPixels[]): RgbaPixels {
  if (frames.length === 0) throw new RangeError('previewStrip needs at least one frame');
  const { width, height } = frames[0];
  const bad = frames.findIndex((f) => f.width !== width || f.height !== height || f.data.length !== width * height * 4);
  if (bad >= 0) throw new RangeError(`previewStrip: frame ${bad} is ${frames[bad].width}×${frames[bad].height} (${frames[bad].data.length} bytes); frame 0 is ${width}×${height}, and every frame must be RGBA of that size`);
  return imageGrid(frames, frames.length);
}

/** Frame s of a strip of S frames. */
export function stripFrame(strip: RgbaPixels, s: number, S: number): { width: number; height: number; data: Uint8ClampedArray } {
  if (!Number.isInteger(S) || S < 1 || strip.width % S !== 0) throw new RangeError(`a strip ${strip.width} pixels wide does not hold S = ${S} equal frames`);
  if (!Number.isInteger(s) || s < 0 || s >= S) throw new RangeError(`frame ${s} is outside 0..${S - 1}`);
  const width = strip.width / S;
  const { height } = strip;
  const data = new Uint8ClampedArray(width * height * 4);
  for (let y = 0; y < height; y++) data.set(strip.data.subarray((y * strip.width + s * width) * 4, (y * strip.width + (s + 1) * width) * 4), y * width * 4);
  return { width, height, data };
}
