import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { loadTokenizer } from './tokenizer';

const toyJson = readFileSync(join(__dirname, '..', '..', 'public', 'models', 'toy', 'tokenizer.json'), 'utf8');

/**
 * A CLIP ViT-L/14-shaped tokenizer.json with a tiny vocabulary. Component
 * types and options as transformers' `CLIPConverter`
 * (src/transformers/convert_slow_tokenizer.py), which wrote
 * openai/clip-vit-large-patch14's file: normalizer Sequence[NFC,
 * Replace(\s+ → " "), Lowercase]; pre_tokenizer Sequence[Split(CLIP's regex,
 * behavior Removed, invert), ByteLevel(add_prefix_space false, no regex)];
 * BPE with end_of_word_suffix "</w>", empty continuing_subword_prefix,
 * unk_token <|endoftext|>; decoder ByteLevel; post_processor
 * RobertaProcessing(cls <|startoftext|> 49406, sep <|endoftext|> 49407,
 * add_prefix_space false, trim_offsets false) — that block as quoted
 * verbatim from a shipped CLIP tokenizer.json in a public tokenizer test.
 * The Split regex is the original CLIP one (openai/CLIP simple_tokenizer.py),
 * which the hub file carries with its <|startoftext|>|<|endoftext|> head.
 * Ids are CLIP's own where known (a</w> 320, specials 49406/49407); the rest
 * are arbitrary, sparse like the real table.
 */
const BOS = 49406;
const EOS = 49407;
const V = { a: 64, 'a</w>': 320, c: 66, t: 83, 'at</w>': 755, ca: 3617, 'cat</w>': 2368, 'Ã': 126, '©</w>': 10920, '1</w>': 272, '2</w>': 273, '!</w>': 256 } as const;
function clipLike(): object {
  return {
    version: '1.0',
    truncation: null,
    padding: null,
    added_tokens: [
      { id: BOS, content: '<|startoftext|>', single_word: false, lstrip: false, rstrip: false, normalized: true, special: true },
      { id: EOS, content: '<|endoftext|>', single_word: false, lstrip: false, rstrip: false, normalized: false, special: true },
    ],
    normalizer: { type: 'Sequence', normalizers: [{ type: 'NFC' }, { type: 'Replace', pattern: { Regex: '\\s+' }, content: ' ' }, { type: 'Lowercase' }] },
    pre_tokenizer: {
      type: 'Sequence',
      pretokenizers: [
        { type: 'Split', pattern: { Regex: "<\\|startoftext\\|>|<\\|endoftext\\|>|'s|'t|'re|'ve|'m|'ll|'d|[\\p{L}]+|[\\p{N}]|[^\\s\\p{L}\\p{N}]+" }, behavior: 'Removed', invert: true },
        { type: 'ByteLevel', add_prefix_space: false, trim_offsets: true, use_regex: false },
      ],
    },
    post_processor: { type: 'RobertaProcessing', sep: ['<|endoftext|>', EOS], cls: ['<|startoftext|>', BOS], trim_offsets: false, add_prefix_space: false },
    decoder: { type: 'ByteLevel', add_prefix_space: true, trim_offsets: true, use_regex: true },
    model: {
      type: 'BPE',
      dropout: null,
      unk_token: '<|endoftext|>',
      continuing_subword_prefix: '',
      end_of_word_suffix: '</w>',
      fuse_unk: false,
      byte_fallback: false,
      vocab: { ...V, '<|startoftext|>': BOS, '<|endoftext|>': EOS },
      merges: ['c a', 'a t</w>', 'ca t</w>'],
    },
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

  it('runs CLIP-style byte-level BPE with end-of-word merges, padded with 49407 to 77 as SD 1.5', async () => {
    const tok = await loadTokenizer(clipLike(), { contextLength: 77, padTokenId: EOS });
    // "A  Cat at" → normalize "a cat at" → split a | cat | at; BPE on c a t</w>: (c a) rank 0 → ca, then (ca t</w>) rank 2 → cat</w>;
    // a t</w> → (a t</w>) rank 1 → at</w>; a → a</w>.
    const ids = tok.encode('A  Cat at');
    expect(ids.length).toBe(77);
    expect(Array.from(ids.slice(0, 5))).toEqual([BOS, V['a</w>'], V['cat</w>'], V['at</w>'], EOS]);
    expect(ids.slice(5).every((v) => v === EOS)).toBe(true);
    // Digits split one by one ([\p{N}]), punctuation is its own word; é is two UTF-8 bytes, C3 A9 → "Ã" "©" under GPT-2's byte map.
    expect(Array.from(tok.encode('cat12!').slice(0, 6))).toEqual([BOS, V['cat</w>'], V['1</w>'], V['2</w>'], V['!</w>'], EOS]);
    expect(Array.from(tok.encode('é').slice(0, 4))).toEqual([BOS, V['Ã'], V['©</w>'], EOS]);
    expect(tok.unknownWords('a cat')).toEqual([]);
    expect(tok.tokenCount('a cat')).toBe(4);
  });

  it('truncates a CLIP prompt to [BOS] 75 tokens [EOS] and counts the untruncated length', async () => {
    const tok = await loadTokenizer(clipLike(), { contextLength: 77, padTokenId: EOS });
    const long = Array(100).fill('cat').join(' ');
    expect(Array.from(tok.encode(long))).toEqual([BOS, ...Array(75).fill(V['cat</w>']), EOS]);
    expect(tok.tokenCount(long)).toBe(102);
  });

  it('refuses a file that is not a tokenizer', async () => {
    await expect(loadTokenizer('{"vocab": {}}', { contextLength: 77, padTokenId: 0 })).rejects.toThrow(/no "model" section/);
    await expect(loadTokenizer('not json', { contextLength: 77, padTokenId: 0 })).rejects.toThrow(/not valid JSON/);
    await expect(loadTokenizer(toyJson, { contextLength: 1, padTokenId: 0 })).rejects.toThrow(/contextLength = 1/);
    await expect(loadTokenizer(toyJson, { contextLength: 77, padTokenId: -1 })).rejects.toThrow(/padTokenId = -1/);
  });
});
