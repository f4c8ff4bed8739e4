import type { DiffusionModel } from './diffusion-model';
import { planarToRgba, type RgbaImage } from './rgba-image';

export type { RgbaImage } from './rgba-image';

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
