import { useEffect, useRef } from 'react';

/** RGBA pixels, row-major, 4 bytes a pixel. */
export interface Pixels {
  width: number;
  height: number;
  rgba: Uint8ClampedArray<ArrayBuffer>;
}

/** Sizes the canvas to the image and draws it, pixel for pixel. */
export function drawPixels(canvas: HTMLCanvasElement, image: Pixels): void {
  canvas.width = image.width;
  canvas.height = image.height;
  canvas.getContext('2d')!.putImageData(new ImageData(image.rgba, image.width, image.height), 0, 0);
}

/**
 * Pixels drawn at their own resolution and scaled up by CSS. Takes the pixels
 * themselves, so an image computed while rendering (the difference of two
 * images) needs no registry entry whose lifetime would have to follow React's
 * effects (StrictMode runs them twice in development).
 */
export function PixelCanvas({ image, testId, className }: { image: Pixels; testId?: string; className?: string }) {
  const canvas = useRef<HTMLCanvasElement>(null);
  useEffect(() => {
    if (canvas.current) drawPixels(canvas.current, image);
  }, [image]);
  return <canvas ref={canvas} className={`pixelated ${className ?? ''}`} data-testid={testId} />;
}
