import { attributeGridPrompts, TOY_ATTRIBUTES, type AttributePrompt } from '../data/attribute-grid';
import { heldoutImages } from '../dynamics/fit-dynamics';
import type { StudyOptions } from './study-options';

export interface StudyPrompts {
  /** Prompt n generates with seed + n. */
  prompts: AttributePrompt[];
  isHeldout: boolean[];
  /** The held-out images in order. */
  heldout: number[];
}

/**
 * The toy's balanced attribute grid, split by image into train and held-out
 * (both balanced): the first H grid prompts (a balanced prefix) take the
 * held-out slots, the rest the training slots.
 */
export function studyPrompts(options: Pick<StudyOptions, 'images' | 'heldoutFraction' | 'seed'>): StudyPrompts {
  const N = options.images;
  const isHeldout = heldoutImages(N, options.heldoutFraction);
  const heldout = isHeldout.flatMap((h, n) => (h ? [n] : []));
  const maxValues = Math.max(...Object.values(TOY_ATTRIBUTES).map((v) => v.length));
  if (heldout.length < maxValues) throw new Error(`the study holds out ${heldout.length} of ${N} images; every attribute value needs one (at least ${maxValues}): use more images or a larger held-out share`);
  const grid = attributeGridPrompts({ count: N, seed: options.seed });
  const order = [...heldout, ...isHeldout.flatMap((h, n) => (h ? [] : [n]))];
  const prompts: AttributePrompt[] = new Array(N);
  order.forEach((slot, i) => (prompts[slot] = { ...grid[i], seed: options.seed + slot }));
  return { prompts, isHeldout, heldout };
}

/** prompts.json: every prompt with its seed, attributes and split. */
export function promptsJson({ prompts, isHeldout }: StudyPrompts): string {
  return `${JSON.stringify(prompts.map((p, n) => ({ ...p, split: isHeldout[n] ? 'heldout' : 'train' })), null, 1)}\n`;
}

/** The study's prompts are the toy model's attribute grid, scored by its probe: a model without that probe cannot run it. */
export function assertToyProbe(manifest: { name: string; probe?: { attributes: Readonly<Record<string, readonly string[]>> } }): void {
  const attributes = manifest.probe?.attributes;
  if (!attributes || JSON.stringify(attributes) !== JSON.stringify(TOY_ATTRIBUTES)) {
    throw new Error(`the study's prompts are the toy model's attribute grid, scored by its probe; ${manifest.name} ${attributes ? `has a probe for ${Object.keys(attributes).join(', ')}` : 'has no attribute probe'}`);
  }
}
