import { useState } from 'react';
import { useShortcut } from './use-shortcut';

/**
 * The Steer page's `s`: whether the Steered frame shows the steered image
 * (true) or, flipped back and forth for a blink comparison, the unsteered
 * one in the same place, where a small change is easiest to see. A new
 * result shows steered again.
 */
export function useSteeringToggle(result: object | null): boolean {
  const [unsteeredFor, setUnsteeredFor] = useState<object | null>(null);
  useShortcut('toggle-steering', () => {
    if (result) setUnsteeredFor((shown) => (shown === result ? null : result));
  });
  return result === null || unsteeredFor !== result;
}
