import { useMemo } from 'react';
import { differenceImage, pixelChange } from '../../analysis/pixel-change';
import { images } from '../../state/model-slice';
import { PixelCanvas } from '../PixelCanvas';

/** |steered − unsteered| × 4 and the mean pixel change, computed from the two images' pixels (nothing is stored). */
export function DifferencePanel({ unsteeredId, steeredId, mask, gridH, gridW }: { unsteeredId: string; steeredId: string; mask: Float32Array | null; gridH: number; gridW: number }) {
  const { difference, change } = useMemo(() => {
    const a = images.get(unsteeredId);
    const b = images.get(steeredId);
    return {
      difference: { width: a.width, height: a.height, rgba: differenceImage(a.rgba, b.rgba) },
      change: pixelChange(a.rgba, b.rgba, a.width, a.height, mask, gridH, gridW),
    };
  }, [unsteeredId, steeredId, mask, gridH, gridW]);
  return (
    <figure>
      <figcaption>|difference| × 4</figcaption>
      <PixelCanvas image={difference} testId="difference-image" className="steer-image" />
      <figcaption className="muted small" data-testid="pixel-change" data-inside={change.inside} data-outside={change.outside}>
        mean change {mask ? `inside the mask ${change.inside.toFixed(1)}, outside ${change.outside.toFixed(1)}` : `${change.all.toFixed(1)}`} (of 255)
      </figcaption>
    </figure>
  );
}

