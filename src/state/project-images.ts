import { ProjectFolder } from '../data/opfs-project';

export interface DecodedImage {
  width: number;
  height: number;
  rgba: Uint8ClampedArray;
}

/** Decoded PNGs kept; past this the oldest go (a list of tens of thousands of latents scrolls past many images). */
const KEPT = 512;
const decoded = new Map<string, Promise<DecodedImage | null>>();

/** A PNG (or any image Blob) as RGBA, at its own size or scaled by the browser while decoding to size × size. */
async function decodeImage(file: Blob, size?: number): Promise<DecodedImage> {
  const bitmap = await createImageBitmap(file, size ? { resizeWidth: size, resizeHeight: size, resizeQuality: 'medium' } : {});
  const { width, height } = bitmap;
  const c2d = new OffscreenCanvas(width, height).getContext('2d')!;
  c2d.drawImage(bitmap, 0, 0);
  bitmap.close();
  return { width, height, rgba: new Uint8ClampedArray(c2d.getImageData(0, 0, width, height).data) };
}

/**
 * A PNG of a project's folder (a collected image, a preview strip) decoded
 * once and kept, at its own size or as a size × size thumbnail (a 512 px
 * image then never sits in memory whole). Null when the file is absent or
 * cannot be decoded. Kept by the file's date, and absence is never kept: a
 * collection resumed or run again rewrites these files, and the next read
 * sees the new ones.
 */
export async function loadProjectImage(projectId: string, name: string, size?: number): Promise<DecodedImage | null> {
  const file = await (await ProjectFolder.open(projectId)).file(name);
  if (!file) return null;
  const key = `${projectId}/${name}/${file.lastModified}/${file.size}/${size ?? 'full'}`;
  let image = decoded.get(key);
  if (!image) {
    image = decodeImage(file, size).catch(() => null);
    decoded.set(key, image);
    if (decoded.size > KEPT) decoded.delete(decoded.keys().next().value!);
  }
  return image;
}
