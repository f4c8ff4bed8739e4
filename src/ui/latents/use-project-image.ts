import { useEffect, useState } from 'react';
import { PROJECT_FILES } from '../../data/opfs-project';
import { stripFrame } from '../../data/preview-strip';
import { loadProjectImage, type DecodedImage } from '../../state/project-images';

/** The project's images `indices` once decoded (null until then; an entry is null when the image was not saved). */
export function useProjectImages(projectId: string | undefined, indices: readonly number[]): (DecodedImage | null)[] | null {
  const [images, setImages] = useState<(DecodedImage | null)[] | null>(null);
  const key = indices.join(',');
  useEffect(() => {
    let live = true;
    setImages(null);
    if (projectId) void Promise.all(key.split(',').filter(Boolean).map((n) => loadProjectImage(projectId, PROJECT_FILES.image(Number(n))))).then((all) => live && setImages(all));
    return () => {
      live = false;
    };
  }, [projectId, key]);
  return images;
}

/**
 * Image n's per-step previews (its strip in the project folder, PROJECT_FILES.previews) as S frames;
 * null when it has none (collected before previews were saved) or when the strip is not S frames wide.
 */
async function loadProjectPreviews(projectId: string, n: number, S: number): Promise<DecodedImage[] | null> {
  const decoded = await loadProjectImage(projectId, PROJECT_FILES.previews(n));
  // S square frames side by side (latent-resolution previews are square).
  if (!decoded || decoded.width !== S * decoded.height) return null;
  return Array.from({ length: S }, (_, s) => {
    const frame = stripFrame({ width: decoded.width, height: decoded.height, data: decoded.rgba }, s, S);
    return { width: frame.width, height: frame.height, rgba: frame.data };
  });
}

/** Per image of `indices`: its S per-step previews, or null where it has none (null as a whole until read). */
export function useProjectPreviews(projectId: string | undefined, indices: readonly number[], S: number): (DecodedImage[] | null)[] | null {
  const [previews, setPreviews] = useState<(DecodedImage[] | null)[] | null>(null);
  const key = indices.join(',');
  useEffect(() => {
    let live = true;
    setPreviews(null);
    if (projectId) void Promise.all(key.split(',').filter(Boolean).map((n) => loadProjectPreviews(projectId, Number(n), S))).then((all) => live && setPreviews(all));
    return () => {
      live = false;
    };
  }, [projectId, key, S]);
  return previews;
}
