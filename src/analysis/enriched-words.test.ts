import { describe, expect, it } from 'vitest';
import { enrichedWords } from './enriched-words';

describe('enrichedWords', () => {
  it('ranks the words over-represented in the top images, each counted once per prompt', () => {
    const prompts = ['a red circle', 'a red red square', 'a blue circle', 'a blue square', 'a green circle', 'a green square'];
    const words = enrichedWords(prompts, [0, 1, 1]);
    expect(words[0].word).toBe('red');
    expect(words[0].topShare).toBe(1);
    expect(words[0].allShare).toBeCloseTo(2 / 6, 12);
    // (2/2) / ((2 + 1) / (6 + 1))
    expect(words[0].enrichment).toBeCloseTo(7 / 3, 12);
    // circle and square are in half the top prompts and half of all: not enriched; "a" is a stop word.
    expect(words.map((w) => w.word)).toEqual(['red']);
  });

  it('gives nothing without top images', () => {
    expect(enrichedWords(['a red circle'], [])).toEqual([]);
  });
});
