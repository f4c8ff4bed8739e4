import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, test } from 'vitest';
import { attributeCombinations, attributeGridPrompts, TOY_ATTRIBUTES } from './attribute-grid';

const toyDir = join(__dirname, '..', '..', 'public', 'models', 'toy');

/** Per attribute, how often each of its values occurs. */
function counts(prompts: { attributes: Record<string, string> }[]): Record<string, number[]> {
  return Object.fromEntries(
    Object.entries(TOY_ATTRIBUTES).map(([name, values]) => [name, values.map((v) => prompts.filter((p) => p.attributes[name] === v).length)]),
  );
}

describe('attribute-grid prompts', () => {
  test('the grid is the 1656 valid combinations of models/toy/README.md, and the attributes are the probe\'s', () => {
    expect(attributeCombinations()).toHaveLength(1656);
    const manifest = JSON.parse(readFileSync(join(toyDir, 'manifest.json'), 'utf8'));
    expect(TOY_ATTRIBUTES).toEqual(manifest.probe.attributes);
  });

  test('every value of every attribute occurs equally often, in the whole set and in every prefix; combinations hardly repeat; shape never on its own colour', () => {
    const prompts = attributeGridPrompts({ count: 216, seed: 3 });
    expect(prompts).toHaveLength(216);
    for (let n = 1; n <= prompts.length; n++) {
      const set = prompts.slice(0, n);
      for (const [name, c] of Object.entries(counts(set))) {
        expect(Math.max(...c) - Math.min(...c), `${name} in ${set.length}: ${c.join(' ')}`).toBeLessThanOrEqual(1);
      }
    }
    const keys = prompts.map((p) => JSON.stringify(p.attributes));
    expect(new Set(keys).size).toBeGreaterThanOrEqual(214);
    for (const p of prompts) expect(p.attributes.color).not.toBe(p.attributes.background);
    // Pairs are spread too: each of the 54 (colour, position) pairs 3 to 5 times in 216 (4 expected).
    const pairs = new Map<string, number>();
    for (const p of prompts) pairs.set(`${p.attributes.color}|${p.attributes.position}`, (pairs.get(`${p.attributes.color}|${p.attributes.position}`) ?? 0) + 1);
    expect(pairs.size).toBe(54);
    expect(Math.min(...pairs.values())).toBeGreaterThanOrEqual(3);
    expect(Math.max(...pairs.values())).toBeLessThanOrEqual(5);
  });

  test('the wording names every value, uses only words the tokenizer knows, and is not one of the training templates', () => {
    const sizeWords: Record<string, string[]> = { small: ['small', 'little', 'tiny'], large: ['large', 'big'] };
    // What each placeholder of a training template can be: the attribute's words, any position phrase.
    const slots: Record<string, readonly string[]> = {
      a: ['a', 'an'],
      size: Object.values(sizeWords).flat(),
      color: TOY_ATTRIBUTES.color,
      shape: TOY_ATTRIBUTES.shape,
      bg: TOY_ATTRIBUTES.background,
      pos: ['[a-z ]+'],
    };
    const vocab = new Set(Object.keys(JSON.parse(readFileSync(join(toyDir, 'tokenizer.json'), 'utf8')).model.vocab));
    // scenes.py _TEMPLATES, placeholders as wildcards.
    const training = [
      '{a} {size} {color} {shape} {pos} on a {bg} background',
      '{bg} background, {size} {color} {shape} {pos}',
      '{a} {size} {color} {shape} {pos}, {bg} background',
      '{Pos}, {a} {size} {color} {shape} on a {bg} background',
      'an image of {a} {size} {color} {shape} {pos} against a {bg} background',
      '{size} {color} {shape} {pos} on {bg}',
      'on a {bg} background, {a} {color} {shape}, {size}, {pos}',
    ].map((t) => new RegExp(`^${t.replace(/\{(\w+)\}/g, (_, key: string) => `(${slots[key.toLowerCase()].join('|')})`)}$`, 'i'));
    const prompts = attributeGridPrompts({ count: 300, seed: 11 });
    for (const { prompt, attributes } of prompts) {
      for (const word of prompt.toLowerCase().match(/\w+|[^\w\s]+/g)!) expect(vocab.has(word), `"${word}" in "${prompt}"`).toBe(true);
      for (const template of training) expect(template.test(prompt), prompt).toBe(false);
      const words = prompt.split(/[ ,]+/);
      for (const name of ['color', 'shape'] as const) expect(words).toContain(attributes[name]);
      expect(words).toContain(attributes.background);
      expect(sizeWords[attributes.size].some((w) => words.includes(w)), prompt).toBe(true);
      expect(prompt).not.toMatch(/\ba [aeiou]|\ban [^aeiou]/);
    }
    expect(new Set(prompts.map((p) => p.prompt.replace(/\w+/g, 'w'))).size).toBeGreaterThanOrEqual(5);
  });

  test('the same seed gives the same set; seeds number the prompts; another seed another set', () => {
    const a = attributeGridPrompts({ count: 40, seed: 5 });
    expect(attributeGridPrompts({ count: 40, seed: 5 })).toEqual(a);
    expect(a.map((p) => p.seed)).toEqual(Array.from({ length: 40 }, (_, i) => 5 + i));
    expect(attributeGridPrompts({ count: 40, seed: 6 }).map((p) => p.prompt)).not.toEqual(a.map((p) => p.prompt));
    // Past the grid's size, combinations repeat in a fresh balanced pass.
    expect(attributeGridPrompts({ count: 1700 })).toHaveLength(1700);
    expect(() => attributeGridPrompts({ count: -1 })).toThrow(/count = -1/);
  });
});
