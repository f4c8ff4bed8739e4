import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { loadTokenizer, type PromptTokenizer } from '../diffusion/tokenizer';
import { parsePromptFile, type PromptRecord } from './prompt-file';
import { normalizePrompt, previewPrompts, type PreviewTokenizer } from './prompt-preview';

const toyJson = readFileSync(join(__dirname, '..', '..', 'public', 'models', 'toy', 'tokenizer.json'), 'utf8');
const records = (prompts: (string | [string, string])[]): PromptRecord[] =>
  prompts.map((p, i) => (typeof p === 'string' ? { prompt: p, seed: 100 + i, line: 2 * i + 1 } : { prompt: p[0], negativePrompt: p[1], seed: 100 + i, line: 2 * i + 1 }));

describe('previewPrompts with the toy model tokenizer (WordLevel, [BOS] … [EOS], 77)', () => {
  let toy: PromptTokenizer;
  beforeAll(async () => {
    toy = await loadTokenizer(toyJson, { contextLength: 77, padTokenId: 0 });
  });

  it('counts, groups exact and case/space duplicates with their lines and seeds, measures tokens, lists unknown words', () => {
    const long = Array(80).fill('red').join(' ');
    const set = records([
      'a red circle', // line 1
      'A  Red circle', // line 3: the first up to case and spacing
      'a red circle', // line 5: the first exactly
      'a zebra on a xylophone, zebra', // line 7
      long, // line 9
      ['a red circle', 'blue'], // line 11: same text, another negative prompt: not a duplicate of line 1
      ['a blue square', long], // line 13: the negative prompt is cut
    ]);
    const p = previewPrompts(set, toy);
    expect(p.count).toBe(7);
    expect(p.distinct).toBe(5);
    expect(p.withNegativePrompt).toBe(2);
    expect(p.exactDuplicates).toEqual([{ prompt: 'a red circle', indices: [0, 2], lines: [1, 5], seeds: [100, 102] }]);
    expect(p.nearDuplicates).toEqual([{ prompt: 'a red circle', indices: [0, 1, 2], lines: [1, 3, 5], seeds: [100, 101, 102], variants: ['a red circle', 'A  Red circle'] }]);
    // [BOS] + words (the comma is its own token in the toy vocabulary) + [EOS].
    expect(p.tokens.perPrompt).toEqual([5, 5, 5, 9, 82, 5, 5]);
    expect(p.tokens).toMatchObject({ contextLength: 77, min: 5, max: 82, truncated: [{ index: 4, line: 9, field: 'prompt', tokens: 82 }, { index: 6, line: 13, field: 'negativePrompt', tokens: 82 }] });
    expect(p.tokens.mean).toBeCloseTo((5 * 5 + 9 + 82) / 7, 12);
    expect(p.unknownWords).toEqual([
      { word: 'zebra', count: 2, lines: [7] },
      { word: 'xylophone', count: 1, lines: [7] },
    ]);
    expect(p.promptsWithUnknownWords).toBe(1);
  });

  it('previews a parsed file: unknown words counted over prompts, lowercased as the tokenizer normalises them', () => {
    const csv = 'prompt,seed\n"a Zebra, big",1\na tiny zebra,2\na giraffe at the top,3\na red circle,4\n';
    const set = parsePromptFile('p.csv', new TextEncoder().encode(csv));
    const p = previewPrompts(set.prompts, toy);
    expect(p.unknownWords).toEqual([
      { word: 'zebra', count: 2, lines: [2, 3] },
      { word: 'giraffe', count: 1, lines: [4] },
    ]);
    expect(p.promptsWithUnknownWords).toBe(3);
    expect(p.exactDuplicates).toEqual([]);
    expect(p.nearDuplicates).toEqual([]);
    expect(p.tokens.truncated).toEqual([]);
  });

  it('counts at exactly the context limit as not truncated, one more as truncated', async () => {
    const small = await loadTokenizer(toyJson, { contextLength: 8, padTokenId: 0 });
    const p = previewPrompts(records([Array(6).fill('red').join(' '), Array(7).fill('red').join(' ')]), small);
    expect(p.tokens.perPrompt).toEqual([8, 9]);
    expect(p.tokens.truncated).toEqual([{ index: 1, line: 3, field: 'prompt', tokens: 9 }]);
  });

  it('an empty set is all zeros', () => {
    const p = previewPrompts([], toy);
    expect([p.count, p.distinct, p.tokens.min, p.tokens.max, p.tokens.mean, p.unknownWords.length]).toEqual([0, 0, 0, 0, 0, 0]);
  });
});

describe('previewPrompts against a brute-force reference', () => {
  /** Seeded xorshift32. */
  function random(seed: number): () => number {
    let s = seed;
    return () => {
      s ^= s << 13;
      s ^= s >>> 17;
      s ^= s << 5;
      return (s >>> 0) / 2 ** 32;
    };
  }
  /** One token per space-separated word, plus [BOS] and [EOS]; words not in `known` are unknown. */
  const known = new Set(['a', 'red', 'blue', 'cat', 'dog']);
  const words: PreviewTokenizer = {
    contextLength: 6,
    tokenCount: (t) => t.split(/\s+/).filter(Boolean).length + 2,
    unknownWords: (t) => t.toLowerCase().split(/\s+/).filter((w) => w && !known.has(w)),
  };

  it('finds every pair the O(n²) comparison finds, and the same token counts and unknown-word counts', () => {
    const next = random(99);
    const pool = ['a', 'A', 'red', 'Red', 'cat', 'dog', 'owl', 'Owl', 'blue'];
    const set: PromptRecord[] = Array.from({ length: 300 }, (_, i) => {
      const n = 1 + Math.floor(next() * 5);
      const sep = () => (next() < 0.2 ? '  ' : ' ');
      let prompt = '';
      for (let k = 0; k < n; k++) prompt += (k ? sep() : '') + pool[Math.floor(next() * pool.length)];
      return { prompt, seed: i, line: i + 1 };
    });
    const p = previewPrompts(set, words);

    // Pairs (i < j) in the same group, from the preview and by comparing every pair.
    const pairs = (groups: { indices: number[] }[]) => groups.flatMap((g) => g.indices.flatMap((i, a) => g.indices.slice(a + 1).map((j) => `${i}-${j}`))).sort();
    const exact: string[] = [];
    const near: string[] = [];
    for (let i = 0; i < set.length; i++) {
      for (let j = i + 1; j < set.length; j++) {
        if (set[i].prompt === set[j].prompt) exact.push(`${i}-${j}`);
        if (set[i].prompt.toLowerCase().split(/\s+/).join(' ') === set[j].prompt.toLowerCase().split(/\s+/).join(' ')) near.push(`${i}-${j}`);
      }
    }
    expect(exact.length).toBeGreaterThan(10);
    expect(pairs(p.exactDuplicates)).toEqual(exact.sort());
    // Near groups are reported only when they hold two spellings; each such group's pairs are all near pairs.
    const nearPairs = new Set(near);
    expect(pairs(p.nearDuplicates).every((pair) => nearPairs.has(pair))).toBe(true);
    for (const g of p.nearDuplicates) expect(new Set(g.indices.map((i) => set[i].prompt)).size).toBe(g.variants.length);
    expect(p.nearDuplicates.length).toBeGreaterThan(5);
    expect(p.distinct).toBe(new Set(set.map((s) => normalizePrompt(s.prompt))).size);

    expect(p.tokens.perPrompt).toEqual(set.map((s) => s.prompt.split(/\s+/).length + 2));
    expect(p.tokens.truncated.map((t) => t.index)).toEqual(set.flatMap((s, i) => (s.prompt.split(/\s+/).length + 2 > 6 ? [i] : [])));
    const owl = set.reduce((n, s) => n + s.prompt.split(/\s+/).filter((w) => w.toLowerCase() === 'owl').length, 0);
    expect(p.unknownWords).toEqual([{ word: 'owl', count: owl, lines: set.filter((s) => /owl/i.test(s.prompt)).map((s) => s.line).slice(0, 20) }]);
  });
});

describe('the SD 1.5 example set, public/prompts/sd15-captions.txt', () => {
  /**
   * An overestimate of CLIP's token count, without CLIP's 49k-entry vocabulary:
   * CLIP's pre-tokenizer words (openai/CLIP simple_tokenizer.py's regex: letter
   * runs, single digits, punctuation runs), a letter word as ⌈length / 3⌉
   * tokens (CLIP's BPE makes most English words one token), a punctuation run
   * as one token per character, plus [BOS] and [EOS].
   */
  const clipBound: PreviewTokenizer = {
    contextLength: 77,
    tokenCount: (text) =>
      2 + (text.toLowerCase().match(/[\p{L}]+|[\p{N}]|[^\s\p{L}\p{N}]+/gu) ?? []).reduce((n, w) => n + (/\p{L}/u.test(w) ? Math.ceil(w.length / 3) : w.length), 0),
    unknownWords: () => [],
  };

  it('parses to at least 300 distinct captions, none near the 77-token limit', () => {
    const bytes = readFileSync(join(__dirname, '..', '..', 'public', 'prompts', 'sd15-captions.txt'));
    const set = parsePromptFile('sd15-captions.txt', bytes);
    expect(set.warnings).toEqual([]);
    expect(set.prompts.length).toBeGreaterThanOrEqual(300);
    // Every line is a caption: no blank lines in the file.
    expect(set.prompts.map((p) => p.line)).toEqual(set.prompts.map((_, i) => i + 1));
    const p = previewPrompts(set.prompts, clipBound);
    expect(p.exactDuplicates).toEqual([]);
    expect(p.nearDuplicates).toEqual([]);
    expect(p.distinct).toBe(set.prompts.length);
    expect(p.tokens.truncated).toEqual([]);
    expect(p.tokens.max).toBeLessThan(60);
  });
});
