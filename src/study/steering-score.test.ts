import { describe, expect, test } from 'vitest';
import type { AttributeReading } from '../diffusion/attribute-probe';
import type { RgbaImage } from '../diffusion/vae-image';
import { scoreSteering, shapeMask, summarizeSteering } from './steering-score';

/** A W×W scene: background colour, one square [x0, x1) × [y0, y1) of another colour. */
function scene(W: number, bg: number[], fg: number[], box: [number, number, number, number]): RgbaImage {
  const data = new Uint8ClampedArray(W * W * 4);
  for (let y = 0; y < W; y++) {
    for (let x = 0; x < W; x++) {
      const inside = x >= box[0] && x < box[2] && y >= box[1] && y < box[3];
      data.set([...(inside ? fg : bg), 255], (y * W + x) * 4);
    }
  }
  return { width: W, height: W, data };
}

function reading(values: Record<string, [string, number]>): Record<string, AttributeReading> {
  return Object.fromEntries(Object.entries(values).map(([a, [value, p]]) => [a, { value, probabilities: { [value]: p, other: 1 - p } }]));
}

describe('steering score', () => {
  const W = 16;
  const blue = [40, 80, 220], red = [220, 40, 40], black = [20, 20, 20];

  test('the shape mask is what differs from the border colour', () => {
    const mask = shapeMask(scene(W, black, red, [4, 5, 9, 8]));
    expect(mask.reduce((a, b) => a + b, 0)).toBe(5 * 3);
    expect(mask[6 * W + 6]).toBe(1);
    expect(mask[0]).toBe(0);
  });

  test('a recolour inside the shape: success, no side effect, no change outside, gain per image change', () => {
    const before = { image: scene(W, black, blue, [4, 4, 8, 8]), reading: reading({ color: ['blue', 0.9], size: ['small', 0.8] }) };
    const after = { image: scene(W, black, red, [4, 4, 8, 8]), reading: { color: { value: 'red', probabilities: { red: 0.7, blue: 0.3 } }, size: { value: 'small', probabilities: { small: 0.6, other: 0.4 } } } };
    const o = scoreSteering(before, after, { attribute: 'color', value: 'red' }, 'add');
    expect(o).toMatchObject({ success: true, read: 'red', otherChanged: [], outsideChange: 0 });
    expect(o.targetGain).toBeCloseTo(0.7, 12);
    // 16 of 256 pixels changed by (180 + 40 + 180) / 3 / 255.
    expect(o.imageChange).toBeCloseTo((16 / 256) * (400 / 3 / 255), 12);
    expect(o.otherProbabilityChange).toBeCloseTo(0.2, 12);
    const summary = summarizeSteering([o, { ...o, success: false, otherChanged: ['size'], targetGain: 0.1 }], 'add');
    expect(summary).toMatchObject({ runs: 2, success_rate: 0.5, side_effect_rate: 0.5 });
    expect(summary.efficiency).toBeCloseTo(0.4 / o.imageChange, 9);
  });

  test('a change of the background counts outside the shape; ablation succeeds when the value is no longer read', () => {
    const before = { image: scene(W, black, red, [4, 4, 8, 8]), reading: reading({ color: ['red', 0.9], background: ['black', 0.9] }) };
    const after = { image: scene(W, [60, 60, 60], red, [4, 4, 8, 8]), reading: reading({ color: ['orange', 0.6], background: ['gray', 0.6] }) };
    const o = scoreSteering(before, after, { attribute: 'color', value: 'red' }, 'ablate');
    expect(o).toMatchObject({ success: true, read: 'orange', otherChanged: ['background'] });
    expect(o.outsideChange).toBeCloseTo(40 / 255, 12);
    expect(o.targetGain).toBeLessThan(0);
    expect(summarizeSteering([o], 'ablate').mean_target_gain).toBeGreaterThan(0);
  });
});
