import type { ModelManifest } from './manifest';
import type { ModelSession } from './ort-runtime';
import type { RgbaImage } from './rgba-image';

/** The probe's reading of one attribute: the most likely value and every value's probability. */
export interface AttributeReading {
  value: string;
  probabilities: Record<string, number>;
}

/**
 * The toy model's attribute probe (models/toy/README.md) on a generated
 * image: RGBA → [1, 3, H, W] scaled to the probe's input range → one logits
 * head per attribute → softmax.
 */
export async function readAttributes(probe: ModelSession, manifest: ModelManifest, image: RgbaImage): Promise<Record<string, AttributeReading>> {
  const spec = manifest.probe;
  if (!spec) throw new Error(`${manifest.name} has no attribute probe (only the toy model ships one)`);
  const [lo, hi] = spec.inputRange;
  const n = image.width * image.height;
  const planar = new Float32Array(3 * n);
  for (let i = 0; i < n; i++) for (let c = 0; c < 3; c++) planar[c * n + i] = lo + ((hi - lo) * image.data[i * 4 + c]) / 255;
  const out = await probe.run({ [spec.input]: { data: planar, dims: [1, 3, image.height, image.width] } }, Object.keys(spec.attributes));
  const readings: Record<string, AttributeReading> = {};
  for (const [attribute, labels] of Object.entries(spec.attributes)) {
    const logits = out[attribute].data!;
    out[attribute].dispose();
    const max = Math.max(...logits);
    const exp = Array.from(logits, (l) => Math.exp(l - max));
    const sum = exp.reduce((a, b) => a + b, 0);
    const probabilities = Object.fromEntries(labels.map((label, i) => [label, exp[i] / sum]));
    readings[attribute] = { value: labels[exp.indexOf(Math.max(...exp))], probabilities };
  }
  return readings;
}
