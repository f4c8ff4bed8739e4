import { PROJECT_FILES, ProjectFolder } from '../data/opfs-project';

export interface DecodedImage {
  width: number;
  height: number;
  rgba: Uint8ClampedArray;
}

const decoded = new Map<string, Promise<DecodedImage | null>>();

/** A collected image of a project (its PNG in OPFS), decoded once and kept. */
export function loadProjectImage(projectId: string, n: number): Promise<DecodedImage | null> {
  const key = `${projectId}/${n}`;
  let image = decoded.get(key);
  if (!image) {
    image = (async () => {
      const file = await (await ProjectFolder.open(projectId)).file(PROJECT_FILES.image(n));
      if (!file) return null;
      const bitmap = await createImageBitmap(file);
      const canvas = new OffscreenCanvas(bitmap.width, bitmap.height);
      const c2d = canvas.getContext('2d')!;
      c2d.drawImage(bitmap, 0, 0);
      return { width: bitmap.width, height: bitmap.height, rgba: new Uint8ClampedArray(c2d.getImageData(0, 0, bitmap.width, bitmap.height).data) };
    })();
    decoded.set(key, image);
  }
  return image;
}
