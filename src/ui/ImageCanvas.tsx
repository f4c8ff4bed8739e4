import { useEffect, useRef } from 'react';
import { images } from '../state/model-slice';

/** An image from the registry, drawn at its own resolution and scaled up by CSS. */
export function ImageCanvas({ imageId, testId, className, title }: { imageId: string; testId?: string; className?: string; title?: string }) {
  const canvas = useRef<HTMLCanvasElement>(null);
  useEffect(() => {
    const image = images.get(imageId);
    const c = canvas.current;
    if (!c) return;
    c.width = image.width;
    c.height = image.height;
    c.getContext('2d')!.putImageData(new ImageData(image.rgba, image.width, image.height), 0, 0);
  }, [imageId]);
  return <canvas ref={canvas} className={`pixelated ${className ?? ''}`} data-testid={testId} data-image-id={imageId} title={title} />;
}
