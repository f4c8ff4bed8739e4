/**
 * Scoring one steered (or ablated) image against its unsteered run with the
 * toy's attribute probe: did the probe read the target value,
 * what else did it read differently, how much did the image change, and how
 * much of that change fell outside the shape.
 */
import type { AttributeReading } from '../diffusion/attribute-probe';
import type { RgbaImage } from '../diffusion/vae-image';

export interface ScoredImage {
  image: RgbaImage;
  reading: Record<string, AttributeReading>;
}

export interface SteeringOutcome {
  /** Addition: the probe reads the target value. Ablation: it no longer reads the ablated value. */
  success: boolean;
  /** The probe's reading of the target attribute on the steered image. */
  read: string;
  /** Target value's probe probability, steered minus unsteered (negative for a working ablation). */
  targetGain: number;
  /** Other attributes whose reading changed. */
  otherChanged: string[];
  /** Mean over the other attributes of the total-variation distance between the probe's distributions. */
  otherProbabilityChange: number;
  /** Mean absolute pixel change over the whole image, RGB in [0, 1]. */
  imageChange: number;
  /** The same outside the shape (of either image, dilated by 2 px). */
  outsideChange: number;
}

/** How far (max over RGB, 0–255) a pixel may be from the background colour and still count as background. */
const BACKGROUND_TOLERANCE = 40;
/** Pixels the shape region grows by, for the VAE's soft edges and halo (models/toy/README.md). */
const DILATE = 2;

export function scoreSteering(before: ScoredImage, after: ScoredImage, target: { attribute: string; value: string }, mode: 'add' | 'ablate'): SteeringOutcome {
  const { width: W, height: H } = before.image;
  if (after.image.width !== W || after.image.height !== H) throw new RangeError(`steered image is ${after.image.width}×${after.image.height}; unsteered is ${W}×${H}`);
  const read = after.reading[target.attribute]?.value;
  if (read === undefined) throw new Error(`the probe reads no attribute "${target.attribute}". Should be one of: ${Object.keys(after.reading).join(', ')}`);
  const probability = (s: ScoredImage) => s.reading[target.attribute].probabilities[target.value] ?? 0;
  const others = Object.keys(before.reading).filter((a) => a !== target.attribute);
  const region = dilate(orMasks(shapeMask(before.image), shapeMask(after.image)), W, H, DILATE);
  let all = 0;
  let outside = 0;
  let outsideCount = 0;
  for (let p = 0; p < W * H; p++) {
    let change = 0;
    for (let c = 0; c < 3; c++) change += Math.abs(after.image.data[p * 4 + c] - before.image.data[p * 4 + c]) / 255;
    all += change / 3;
    if (!region[p]) {
      outside += change / 3;
      outsideCount++;
    }
  }
  return {
    success: mode === 'add' ? read === target.value : read !== target.value,
    read,
    targetGain: probability(after) - probability(before),
    otherChanged: others.filter((a) => after.reading[a].value !== before.reading[a].value),
    otherProbabilityChange: others.length === 0 ? 0 : others.reduce((sum, a) => sum + totalVariation(before.reading[a].probabilities, after.reading[a].probabilities), 0) / others.length,
    imageChange: all / (W * H),
    outsideChange: outsideCount > 0 ? outside / outsideCount : 0,
  };
}

export interface SteeringSummary {
  runs: number;
  success_rate: number;
  /** Share of runs in which the probe read any other attribute differently. */
  side_effect_rate: number;
  /** Mean target-probability gain per unit of mean image change (ratio of the means; ablation: the drop). */
  efficiency: number;
  mean_target_gain: number;
  mean_image_change: number;
  mean_outside_change: number;
  mean_other_probability_change: number;
}

export function summarizeSteering(outcomes: readonly SteeringOutcome[], mode: 'add' | 'ablate'): SteeringSummary {
  const n = outcomes.length;
  const mean = (f: (o: SteeringOutcome) => number) => (n === 0 ? 0 : outcomes.reduce((sum, o) => sum + f(o), 0) / n);
  const gain = mean((o) => (mode === 'add' ? o.targetGain : -o.targetGain));
  const change = mean((o) => o.imageChange);
  return {
    runs: n,
    success_rate: mean((o) => (o.success ? 1 : 0)),
    side_effect_rate: mean((o) => (o.otherChanged.length > 0 ? 1 : 0)),
    efficiency: change > 0 ? gain / change : 0,
    mean_target_gain: gain,
    mean_image_change: change,
    mean_outside_change: mean((o) => o.outsideChange),
    mean_other_probability_change: mean((o) => o.otherProbabilityChange),
  };
}

/**
 * The shape's pixels: those farther than BACKGROUND_TOLERANCE from the
 * background colour, taken as the per-channel median of the border pixels
 * (a toy scene is one shape on a plain background that always reaches the border).
 */
export function shapeMask(image: RgbaImage): Uint8Array {
  const { width: W, height: H, data } = image;
  const border: number[] = [];
  for (let x = 0; x < W; x++) border.push(x, (H - 1) * W + x);
  for (let y = 1; y < H - 1; y++) border.push(y * W, y * W + W - 1);
  const background = [0, 1, 2].map((c) => median(border.map((p) => data[p * 4 + c])));
  const mask = new Uint8Array(W * H);
  for (let p = 0; p < W * H; p++) {
    const far = Math.max(...[0, 1, 2].map((c) => Math.abs(data[p * 4 + c] - background[c])));
    mask[p] = far > BACKGROUND_TOLERANCE ? 1 : 0;
  }
  return mask;
}

function orMasks(a: Uint8Array, b: Uint8Array): Uint8Array {
  return a.map((v, i) => v | b[i]);
}

/** The mask grown by r pixels (square neighbourhood). */
export function dilate(mask: Uint8Array, W: number, H: number, r: number): Uint8Array {
  const out = new Uint8Array(mask.length);
  for (let y = 0; y < H; y++) {
    for (let x = 0; x < W; x++) {
      if (!mask[y * W + x]) continue;
      for (let yy = Math.max(0, y - r); yy <= Math.min(H - 1, y + r); yy++) out.fill(1, yy * W + Math.max(0, x - r), yy * W + Math.min(W - 1, x + r) + 1);
    }
  }
  return out;
}

function totalVariation(p: Record<string, number>, q: Record<string, number>): number {
  const keys = new Set([...Object.keys(p), ...Object.keys(q)]);
  let sum = 0;
  for (const k of keys) sum += Math.abs((p[k] ?? 0) - (q[k] ?? 0));
  return sum / 2;
}

function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  const mid = sorted.length >> 1;
  return sorted.length % 2 ? sorted[mid] : (sorted[mid - 1] + sorted[mid]) / 2;
}
