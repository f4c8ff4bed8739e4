import { useEffect, useState } from 'react';
import { PROJECT_FILES } from '../../data/opfs-project';
import { loadProjectImage, type DecodedImage } from '../../state/project-images';

/** Image n of the project as a size × size thumbnail (null until decoded, or when the image was not saved). */
export function useThumbnailImage(projectId: string, n: number, size: number): DecodedImage | null {
  const [image, setImage] = useState<DecodedImage | null>(null);
  useEffect(() => {
    let live = true;
    setImage(null);
    void loadProjectImage(projectId, PROJECT_FILES.image(n), size).then((decoded) => live && setImage(decoded));
    return () => {
      live = false;
    };
  }, [projectId, n, size]);
  return image;
}
