import { useEffect, useState } from 'react';
import { PROJECT_FILES, ProjectFolder } from '../../data/opfs-project';
import type { DecodedImage } from '../../state/project-images';

/** Thumbnails kept decoded; past this the oldest go (a list of tens of thousands of latents scrolls past many images). */
const KEPT = 512;
const thumbnails = new Map<string, Promise<DecodedImage | null>>();

/** Image n of a project decoded at size × size pixels (the browser scales it while decoding, so a 512 px image never sits in memory whole). */
function loadThumbnail(projectId: string, n: number, size: number): Promise<DecodedImage | null> {
  const key = `${projectId}/${n}/${size}`;
  let image = thumbnails.get(key);
  if (!image) {
    image = (async () => {
      const file = await (await ProjectFolder.open(projectId)).file(PROJECT_FILES.image(n));
      if (!file) return null;
      const bitmap = await createImageBitmap(file, { resizeWidth: size, resizeHeight: size, resizeQuality: 'medium' });
      const c2d = new OffscreenCanvas(size, size).getContext('2d')!;
      c2d.drawImage(bitmap, 0, 0);
      bitmap.close();
      return { width: size, height: size, rgba: new Uint8ClampedArray(c2d.getImageData(0, 0, size, size).data) };
    })().catch(() => null);
    thumbnails.set(key, image);
    if (thumbnails.size > KEPT) thumbnails.delete(thumbnails.keys().next().value!);
  }
  return image;
}

/** Image n of the project as a size × size thumbnail (null until decoded, or when the image was not saved). */
export function useThumbnailImage(projectId: string, n: number, size: number): DecodedImage | null {
  const [image, setImage] = useState<DecodedImage | null>(null);
  useEffect(() => {
    let live = true;
    setImage(null);
    void loadThumbnail(projectId, n, size).then((decoded) => live && setImage(decoded));
    return () => {
      live = false;
    };
  }, [projectId, n, size]);
  return image;
}
