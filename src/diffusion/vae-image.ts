import type { DiffusionModel } from './diffusion-model';

/** An 8-bit RGBA image, row-major, as canvas ImageData and PNG files hold it. */
export interface RgbaImage {
  width: number;
  height: number;
  data: Uint8ClampedArray<ArrayBuffer>;
}

/** VAE decode of a final latent [C, h, w]: latent / latentScale → image in [-1, 1] → RGBA. */
export async function decodeLatents(model: DiffusionModel, latent: Float32Array): Promise<RgbaImage> {
  const { manifest } = model;
  const h = manifest.imageSize / manifest.vaeScaleFactor;
  const scaled = latent.map((v) => v / manifest.latentScale);
  const out = await model.vaeDecoder.run({ latent_sample: { data: scaled, dims: [1, manifest.latentChannels, h, h] } }, ['sample']);
  const [, channels, height, width] = out.sample.dims;
  const pixels = out.sample.data!;
  out.sample.dispose();
  if (channels !== 3) throw new Error(`${manifest.name}: the VAE decoder gave ${channels} channels; an RGB image needs 3`);
  return planarToRgba(pixels, width, height);
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
