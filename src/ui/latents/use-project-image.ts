import { useEffect, useState } from 'react';
import { loadProjectImage, type DecodedImage } from '../../state/project-images';

/** The project's images `indices` once decoded (null until then; an entry is null when the image was not saved). */
export function useProjectImages(projectId: string | undefined, indices: readonly number[]): (DecodedImage | null)[] | null {
  const [images, setImages] = useState<(DecodedImage | null)[] | null>(null);
  const key = indices.join(',');
  useEffect(() => {
    let live = true;
    setImages(null);
    if (projectId) void Promise.all(key.split(',').filter(Boolean).map((n) => loadProjectImage(projectId, Number(n)))).then((all) => live && setImages(all));
    return () => {
      live = false;
    };
  }, [projectId, key]);
  return images;
}
