/**
 * Prompt tokenization through Hugging Face's tokenizers.js
 * (`@huggingface/tokenizers`) from a model's `tokenizer.json`: CLIP's
 * byte-level BPE for Stable Diffusion, the toy model's WordLevel vocabulary.
 * The library encodes; fixed-length padding and truncation, which it leaves
 * to the caller, follow CLIP's text encoder as diffusers calls it
 * (`padding="max_length", truncation=True, max_length=77`): the special
 * tokens the post-processor adds are kept, the text in between is cut, and
 * the rest is padding.
 */
import { Tokenizer } from '@huggingface/tokenizers';

export interface PromptTokenizer {
  /** Exactly `contextLength` ids: [BOS] text… [EOS] pad…, the text cut to fit. */
  encode(text: string): Int32Array;
  /** Tokens of the text with its special tokens, before truncation (over contextLength: the end of the prompt is dropped). */
  tokenCount(text: string): number;
  /** Words the vocabulary does not know (mapped to the unknown token); always empty for byte-level BPE. */
  unknownWords(text: string): string[];
  readonly contextLength: number;
}

export interface TokenizerOptions {
  /** Ids per prompt, the text encoder's sequence length (CLIP: 77). */
  contextLength: number;
  /** Id written after [EOS] up to contextLength (SD 1.5's CLIP: 49407 = <|endoftext|>; the toy model: 0 = [PAD]). */
  padTokenId: number;
}

/**
 * A prompt tokenizer from a Hugging Face `tokenizer.json` (its text, or the
 * parsed object). The file's own `padding`/`truncation` sections are not
 * used: the options here decide the length. Throws, naming the problem,
 * on a file that is not a tokenizers file or whose post-processor adds no
 * [BOS] … [EOS] template.
 */
export async function loadTokenizer(tokenizerJson: string | object, options: TokenizerOptions): Promise<PromptTokenizer> {
  const { contextLength, padTokenId } = options;
  let json: Record<string, unknown>;
  try {
    json = typeof tokenizerJson === 'string' ? JSON.parse(tokenizerJson) : (tokenizerJson as Record<string, unknown>);
  } catch {
    throw new Error('tokenizer.json is not valid JSON');
  }
  if (typeof json !== 'object' || json === null || typeof json.model !== 'object') throw new Error('tokenizer.json has no "model" section: is it a Hugging Face tokenizers file?');
  if (!Number.isInteger(contextLength) || contextLength < 2) throw new RangeError(`contextLength = ${contextLength} must be an integer ≥ 2`);
  if (!Number.isInteger(padTokenId) || padTokenId < 0) throw new RangeError(`padTokenId = ${padTokenId} must be an integer ≥ 0 (SD 1.5: 49407, the toy model: 0)`);
  const tokenizer = new Tokenizer(json, {});
  const unkToken = (json.model as { unk_token?: string }).unk_token;
  const unkId = unkToken !== undefined ? tokenizer.token_to_id(unkToken) : undefined;
  // The specials the post-processor wraps every text in ([BOS] … [EOS] for both models).
  const bare = tokenizer.encode('', { add_special_tokens: false }).ids.length;
  const wrapped = tokenizer.encode('').ids;
  if (bare !== 0 || wrapped.length === 0) throw new Error('tokenizer.json: its post-processor adds no special tokens; a CLIP-style [BOS] … [EOS] template is expected');
  // Where the text sits inside the template: find a probe word's tokens in its wrapped encoding.
  const probe = tokenizer.encode('a', { add_special_tokens: false }).ids;
  const probed = tokenizer.encode('a').ids;
  const prefixLength = Math.max(0, probed.findIndex((_, i) => probe.every((id, j) => probed[i + j] === id)));
  const suffixLength = wrapped.length - prefixLength;

  /** Ids with unknown words mapped to the unknown token (tokenizers.js leaves WordLevel misses undefined). */
  const ids = (text: string): { ids: number[]; tokens: string[] } => {
    const e = tokenizer.encode(text);
    return {
      ids: e.ids.map((id) => {
        if (id !== undefined && id !== null) return Number(id);
        if (unkId === undefined) throw new Error(`tokenizer.json: a word of "${text}" is not in the vocabulary and the model has no unk_token`);
        return unkId;
      }),
      tokens: e.tokens,
    };
  };

  return {
    contextLength,
    encode(text) {
      let seq = ids(text).ids;
      if (seq.length > contextLength) {
        const head = seq.slice(0, prefixLength);
        const tail = seq.slice(seq.length - suffixLength);
        seq = [...head, ...seq.slice(prefixLength, prefixLength + contextLength - head.length - tail.length), ...tail];
      }
      const out = new Int32Array(contextLength).fill(padTokenId);
      out.set(seq);
      return out;
    },
    tokenCount: (text) => ids(text).ids.length,
    unknownWords(text) {
      const e = tokenizer.encode(text, { add_special_tokens: false });
      return e.tokens.filter((_, i) => e.ids[i] === undefined || e.ids[i] === null || (unkId !== undefined && Number(e.ids[i]) === unkId));
    },
  };
}
