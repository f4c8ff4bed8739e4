import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { loadTokenizer } from './tokenizer';

const toyJson = readFileSync(join(__dirname, '..', '..', 'public', 'models', 'toy', 'tokenizer.json'), 'utf8');

/**
 * A CLIP ViT-L/14-shaped tokenizer.json with a tiny vocabulary: the same
 * component types as openai/clip-vit-large-patch14's file (NFC + whitespace
 * + lowercase normalizer, Split on CLIP's regex + ByteLevel pre-tokenizer,
 * BPE with the "</w>" end-of-word suffix, RobertaProcessing-style
 * <|startoftext|> … <|endoftext|> template). Ids chosen for the test.
 */
function clipLike(): object {
  const vocab: Record<string, number> = { a: 0, 'a</w>': 1, c: 2, 'c</w>': 3, 'r</w>': 4, e: 5, 'e</w>': 6, t: 7, 'at</w>': 8, 'ca': 9, 'cat</w>': 10, '<|startoftext|>': 11, '<|endoftext|>': 12, '!</w>': 13 };
  return {
    version: '1.0',
    truncation: null,
    padding: null,
    added_tokens: [
      { id: 11, content: '<|startoftext|>', single_word: false, lstrip: false, rstrip: false, normalized: true, special: true },
      { id: 12, content: '<|endoftext|>', single_word: false, lstrip: false, rstrip: false, normalized: false, special: true },
    ],
    normalizer: { type: 'Sequence', normalizers: [{ type: 'NFC' }, { type: 'Replace', pattern: { Regex: '\\s+' }, content: ' ' }, { type: 'Lowercase' }] },
    pre_tokenizer: {
      type: 'Sequence',
      pretokenizers: [
        { type: 'Split', pattern: { Regex: "<\\|startoftext\\|>|<\\|endoftext\\|>|'s|'t|'re|'ve|'m|'ll|'d|[\\p{L}]+|[\\p{N}]|[^\\s\\p{L}\\p{N}]+" }, behavior: 'Removed', invert: true },
        { type: 'ByteLevel', add_prefix_space: false, trim_offsets: true, use_regex: false },
      ],
    },
    post_processor: { type: 'RobertaProcessing', sep: ['<|endoftext|>', 12], cls: ['<|startoftext|>', 11], trim_offsets: false, add_prefix_space: false },
    decoder: { type: 'ByteLevel', add_prefix_space: true, trim_offsets: true, use_regex: true },
    model: { type: 'BPE', dropout: null, unk_token: '<|endoftext|>', continuing_subword_prefix: '', end_of_word_suffix: '</w>', fuse_unk: false, byte_fallback: false, vocab, merges: ['c a', 'a t</w>', 'ca t</w>'] },
  };
}

describe('loadTokenizer', () => {
  it('reads the toy WordLevel vocabulary: [BOS] words [EOS], unknown words to [UNK], padded with 0 to 77', async () => {
    const tok = await loadTokenizer(toyJson, { contextLength: 77, padTokenId: 0 });
    const vocab = JSON.parse(toyJson).model.vocab as Record<string, number>;
    const ids = tok.encode('A small RED circle zebra');
    expect(ids.length).toBe(77);
    expect(Array.from(ids.slice(0, 7))).toEqual([2, vocab.a, vocab.small, vocab.red, vocab.circle, 1, 3]);
    expect(ids.slice(7).every((v) => v === 0)).toBe(true);
    expect(tok.unknownWords('a red zebra on a xylophone')).toEqual(['zebra', 'xylophone']);
    expect(tok.tokenCount('a red circle')).toBe(5);
  });

  it('truncates a long prompt keeping [EOS] last', async () => {
    const tok = await loadTokenizer(toyJson, { contextLength: 8, padTokenId: 0 });
    const vocab = JSON.parse(toyJson).model.vocab as Record<string, number>;
    const ids = tok.encode('red red red red red red red red red red');
    expect(Array.from(ids)).toEqual([2, ...Array(6).fill(vocab.red), 3]);
    expect(tok.tokenCount('red red red red red red red red red red')).toBe(12);
  });

  it('runs a CLIP-style byte-level BPE with end-of-word merges, padded with 49407-style end tokens', async () => {
    const tok = await loadTokenizer(clipLike(), { contextLength: 8, padTokenId: 12 });
    // "A cat at ... cat!" → a</w> | c a t</w> → ca t</w> → cat</w> | a t</w> → at</w> | !</w>
    expect(Array.from(tok.encode('A  cat at'))).toEqual([11, 1, 10, 8, 12, 12, 12, 12]);
    expect(Array.from(tok.encode('cat!'))).toEqual([11, 10, 13, 12, 12, 12, 12, 12]);
    expect(tok.unknownWords('a cat')).toEqual([]);
  });

  it('refuses a file that is not a tokenizer', async () => {
    await expect(loadTokenizer('{"vocab": {}}', { contextLength: 77, padTokenId: 0 })).rejects.toThrow(/no "model" section/);
    await expect(loadTokenizer('not json', { contextLength: 77, padTokenId: 0 })).rejects.toThrow(/not valid JSON/);
  });
});
