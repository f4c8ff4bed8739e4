import type { RgbaImage } from '../../diffusion/vae-image';

/** An image as a message carries it: RGBA bytes in a buffer that can be transferred. */
export interface PixelsMessage {
  width: number;
  height: number;
  rgba: ArrayBuffer;
}

/** A copy of `image` as pixels to transfer (the image itself may be cached and sent again). */
export function pixelsOf(image: RgbaImage): PixelsMessage {
  return { width: image.width, height: image.height, rgba: image.data.slice().buffer };
}
