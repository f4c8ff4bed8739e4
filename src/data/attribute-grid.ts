/**
 * The toy model's attribute grid as a prompt set (models/toy/README.md):
 * one flat shape on a plain background, every prompt carrying the values it
 * asks for, so generated and steered images can be scored against ground
 * truth. The `study` verb collects it; the lab offers it as its built-in
 * example set.
 *
 * Balanced: prompts are drawn from the 1656 valid combinations (shape ×
 * colour × position × size × background, the shape never the background's
 * colour, scenes.py `valid_combo`) so that in every prefix of the list the
 * counts of an attribute's values differ by at most one, and pairs of values
 * are spread as evenly as that leaves room for. A prefix is therefore a
 * balanced set too (the study holds one out). Combinations repeat only where
 * balance needs it (about one in 200) or once all 1656 are drawn.
 *
 * Fresh wording: none of the seven caption templates the toy was trained
 * with (scenes.py `_TEMPLATES`), only words its tokenizer knows.
 */
import { seededRandom } from '../gpu/random';

/** Attribute values in the probe's order (public/models/toy/manifest.json `probe.attributes`). */
export const TOY_ATTRIBUTES = {
  shape: ['circle', 'square', 'triangle', 'cross'],
  color: ['red', 'green', 'blue', 'yellow', 'purple', 'orange'],
  position: ['top left', 'top', 'top right', 'left', 'centre', 'right', 'bottom left', 'bottom', 'bottom right'],
  size: ['small', 'large'],
  background: ['black', 'white', 'gray', 'blue'],
} as const satisfies Record<string, readonly string[]>;

export type ToyAttribute = keyof typeof TOY_ATTRIBUTES;
const NAMES = Object.keys(TOY_ATTRIBUTES) as ToyAttribute[];

export interface AttributePrompt {
  prompt: string;
  /** Generation seed: `seed + i` for prompt i, as prompt files number theirs. */
  seed: number;
  /** The value asked for of every attribute (shape, color, position, size, background). */
  attributes: Record<string, string>;
}

export interface AttributeGridOptions {
  count: number;
  /** Seeds the draw order and the wording; prompt i generates with seed + i. Default 0. */
  seed?: number;
}

// Fresh wording is in the templates and word orders; the position phrases are
// the training captions' own (scenes.py `_POS_PHRASES`): recombined ones such
// as "at the upper right" were read as "right" by the toy in a quarter of the
// images, which would blur the ground truth the study scores against.
const SIZE_WORDS: Record<string, string[]> = { small: ['small', 'little', 'tiny'], large: ['large', 'big'] };
const POSITION_PHRASES: Record<string, string[]> = {
  'top left': ['at the top left', 'in the top left corner', 'in the upper left'],
  top: ['at the top', 'at the top centre', 'in the upper middle'],
  'top right': ['at the top right', 'in the top right corner', 'in the upper right'],
  left: ['on the left', 'at the centre left', 'in the middle left'],
  centre: ['in the centre', 'in the center', 'in the middle'],
  right: ['on the right', 'at the centre right', 'in the middle right'],
  'bottom left': ['at the bottom left', 'in the bottom left corner', 'in the lower left'],
  bottom: ['at the bottom', 'at the bottom centre', 'in the lower middle'],
  'bottom right': ['at the bottom right', 'in the bottom right corner', 'in the lower right'],
};
const TEMPLATES = [
  '{a} {color} {shape}, {size}, {pos}, against a {bg} background',
  '{bg} background, {pos}, {a} {size} {color} {shape}',
  'an image of {a} {size} {color} {shape} {pos}, on {bg}',
  'on {bg}, {a} {size} {color} {shape} {pos}',
  '{a} {color} {shape} {pos}, {size}, on {bg}',
  '{a} {size} {color} {shape} against {bg}, {pos}',
];

/** Every valid combination as value indices [shape, color, position, size, background]. */
export function attributeCombinations(): number[][] {
  const out: number[][] = [];
  const sizes = NAMES.map((a) => TOY_ATTRIBUTES[a].length);
  const total = sizes.reduce((a, b) => a * b, 1);
  for (let i = 0; i < total; i++) {
    let rest = i;
    const combo = sizes.map((size) => {
      const v = rest % size;
      rest = Math.floor(rest / size);
      return v;
    });
    if (TOY_ATTRIBUTES.color[combo[1]] !== TOY_ATTRIBUTES.background[combo[4]]) out.push(combo);
  }
  return out;
}

/** `count` balanced prompts with their attribute values (see the file comment). */
export function attributeGridPrompts(options: AttributeGridOptions): AttributePrompt[] {
  const { count, seed = 0 } = options;
  if (!Number.isInteger(count) || count < 0) throw new RangeError(`attributeGridPrompts count = ${count}, but it must be an integer ≥ 0`);
  if (!Number.isInteger(seed) || seed < 0) throw new RangeError(`attributeGridPrompts seed = ${seed}, but it must be an integer ≥ 0`);
  const random = seededRandom(seed);
  const cardinality = NAMES.map((a) => TOY_ATTRIBUTES[a].length);
  const marginal = cardinality.map((c) => new Float64Array(c));
  const pairs: [number, number][] = NAMES.flatMap((_, a) => NAMES.slice(a + 1).map((__, j): [number, number] => [a, a + 1 + j]));
  const pairCount = pairs.map(([a, b]) => new Float64Array(cardinality[a] * cardinality[b]));
  let grid: number[][] = [];
  let taken: boolean[] = [];
  let left = 0;
  const out: AttributePrompt[] = [];
  for (let i = 0; i < count; i++) {
    // A fresh shuffled pass over the grid whenever every combination has been drawn.
    if (left === 0) {
      grid = shuffle(attributeCombinations(), random);
      taken = grid.map(() => false);
      left = grid.length;
    }
    // Greedy, lexicographic: (1) take no value more than once past its attribute's rarest
    // value; (2) rather repeat a combination than break (1) — it happens when the one
    // combination of all the rarest values was drawn already; (3) the fewest values past
    // the rarest; (4) blue colour or background first (each rules out the other, so
    // neither may be the last rare value); (5) the least-used values, counts normalised by
    // cardinality (9 positions and 2 sizes weigh alike); (6) the least-used pairs.
    const least = marginal.map((c) => Math.min(...c));
    let best = 0;
    let bestCost = [Infinity];
    for (const [j, combo] of grid.entries()) {
      let excess = 0;
      let over = 0;
      let used = 0;
      for (let a = 0; a < NAMES.length; a++) {
        excess = Math.max(excess, marginal[a][combo[a]] - least[a]);
        if (marginal[a][combo[a]] > least[a]) over++;
        used += marginal[a][combo[a]] * cardinality[a];
      }
      if (excess > bestCost[0]) continue;
      let paired = 0;
      pairs.forEach(([a, b], q) => (paired += pairCount[q][combo[a] * cardinality[b] + combo[b]] * cardinality[a] * cardinality[b]));
      const blue = TOY_ATTRIBUTES.color[combo[1]] === 'blue' || TOY_ATTRIBUTES.background[combo[4]] === 'blue' ? 0 : 1;
      const cost = [excess, taken[j] ? 1 : 0, over, blue, used, paired];
      if (lexicographicLess(cost, bestCost)) {
        best = j;
        bestCost = cost;
      }
    }
    const combo = grid[best];
    if (!taken[best]) left--;
    taken[best] = true;
    combo.forEach((v, a) => marginal[a][v]++);
    pairs.forEach(([a, b], q) => pairCount[q][combo[a] * cardinality[b] + combo[b]]++);
    const attributes = Object.fromEntries(NAMES.map((name, a) => [name, TOY_ATTRIBUTES[name][combo[a]]]));
    out.push({ prompt: wording(attributes, random), seed: seed + i, attributes });
  }
  return out;
}

/** One caption of the attributes in a template and synonyms drawn from `random`. */
function wording(attributes: Record<string, string>, random: () => number): string {
  const pick = <T>(items: readonly T[]): T => items[Math.floor(random() * items.length)];
  const template = pick(TEMPLATES);
  const size = pick(SIZE_WORDS[attributes.size]);
  const words: Record<string, string> = { size, color: attributes.color, shape: attributes.shape, pos: pick(POSITION_PHRASES[attributes.position]), bg: attributes.background };
  const text = template.replace(/\{(\w+)\}/g, (placeholder, key: string) => (key === 'a' ? placeholder : words[key]));
  // The article agrees with the word after it ("an orange", "a big").
  return text.replace(/\{a\} (\w)/g, (_, first: string) => `${'aeiou'.includes(first) ? 'an' : 'a'} ${first}`);
}

function lexicographicLess(a: readonly number[], b: readonly number[]): boolean {
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return a[i] < b[i];
  return false;
}

function shuffle<T>(items: T[], random: () => number): T[] {
  for (let i = items.length - 1; i > 0; i--) {
    const j = Math.floor(random() * (i + 1));
    [items[i], items[j]] = [items[j], items[i]];
  }
  return items;
}
