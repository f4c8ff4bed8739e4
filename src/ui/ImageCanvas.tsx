import { useEffect, useRef } from 'react';
import { images } from '../state/model-slice';
import { drawPixels } from './PixelCanvas';

/** An image from the registry, drawn at its own resolution and scaled up by CSS. */
export function ImageCanvas({ imageId, testId, className, title }: { imageId: string; testId?: string; className?: string; title?: string }) {
  const canvas = useRef<HTMLCanvasElement>(null);
  useEffect(() => {
    if (canvas.current) drawPixels(canvas.current, images.get(imageId));
  }, [imageId]);
  return <canvas ref={canvas} className={`pixelated ${className ?? ''}`} data-testid={testId} data-image-id={imageId} title={title} />;
}
