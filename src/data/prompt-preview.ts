/**
 * The preview of a parsed prompt set, before anything is generated: how many
 * prompts, which repeat (exactly, or up to case and spacing), how long each
 * is in the model's tokens against its text encoder's context (CLIP: 77,
 * [BOS] and [EOS] included; longer prompts lose their end), and which words
 * a WordLevel vocabulary does not know (the toy model reads them as [UNK]).
 * Plain data out, for the page to render.
 */
import type { PromptRecord } from './prompt-file';

/** What the preview needs of a tokenizer; `PromptTokenizer` (diffusion/tokenizer.ts) is one. */
export interface PreviewTokenizer {
  /** Tokens of the text with the special tokens the tokenizer adds, before truncation. */
  tokenCount(text: string): number;
  /** Words mapped to the unknown token, as the tokenizer normalised them (always empty for byte-level BPE). */
  unknownWords(text: string): string[];
  /** Ids per prompt the text encoder reads (CLIP: 77). */
  readonly contextLength: number;
}

export interface DuplicateGroup {
  /** The prompt as first written. */
  prompt: string;
  /** Indices into the set and 1-based file lines of every member, in file order. */
  indices: number[];
  lines: number[];
  /** Each member's seed: repeats with different seeds may be intended (several samples of one prompt). */
  seeds: number[];
}

export interface NearDuplicateGroup extends DuplicateGroup {
  /** The distinct spellings in the group (≥ 2), e.g. "A red circle" and "a  red circle". */
  variants: string[];
}

export interface TruncatedPrompt {
  index: number;
  line: number;
  /** Which text is too long: the prompt or its negative prompt. */
  field: 'prompt' | 'negativePrompt';
  tokens: number;
}

export interface UnknownWord {
  word: string;
  /** Occurrences over the whole set. */
  count: number;
  /** Lines where it occurs, the first `MAX_LINES_PER_WORD` of them. */
  lines: number[];
}

export interface PromptPreview {
  count: number;
  /** Prompts left after merging the case/space-normalised duplicates. */
  distinct: number;
  /** Prompts with a negative prompt of their own. */
  withNegativePrompt: number;
  /** Prompts sharing the same text and negative prompt. */
  exactDuplicates: DuplicateGroup[];
  /** Prompts equal once lowercased with whitespace collapsed, but not all spelled alike. */
  nearDuplicates: NearDuplicateGroup[];
  tokens: {
    contextLength: number;
    /** Per prompt, in set order, the tokenizer's count with its special tokens. */
    perPrompt: number[];
    min: number;
    max: number;
    mean: number;
    /** Prompts (or negative prompts) over contextLength: their end is cut before the text encoder. */
    truncated: TruncatedPrompt[];
  };
  /** Words the vocabulary does not know, most frequent first (ties by word). */
  unknownWords: UnknownWord[];
  /** Prompts with at least one unknown word. */
  promptsWithUnknownWords: number;
}

export const MAX_LINES_PER_WORD = 20;

/** Lowercased, whitespace runs as one space, trimmed: the key of near duplicates. */
export function normalizePrompt(prompt: string): string {
  return prompt.toLowerCase().replace(/\s+/g, ' ').trim();
}

/** The preview of `prompts` under `tokenizer`. */
export function previewPrompts(prompts: readonly PromptRecord[], tokenizer: PreviewTokenizer): PromptPreview {
  const exact = groupBy(prompts, (p) => `${p.prompt}\u0000${p.negativePrompt ?? ''}`);
  const near = groupBy(prompts, (p) => `${normalizePrompt(p.prompt)}\u0000${normalizePrompt(p.negativePrompt ?? '')}`);

  const group = (members: number[]): DuplicateGroup => ({
    prompt: prompts[members[0]].prompt,
    indices: members,
    lines: members.map((i) => prompts[i].line),
    seeds: members.map((i) => prompts[i].seed),
  });
  const exactDuplicates = [...exact.values()].filter((m) => m.length > 1).map(group);
  const nearDuplicates: NearDuplicateGroup[] = [];
  for (const members of near.values()) {
    const variants = [...new Set(members.map((i) => prompts[i].prompt))];
    if (variants.length > 1) nearDuplicates.push({ ...group(members), variants });
  }

  const perPrompt: number[] = [];
  const truncated: TruncatedPrompt[] = [];
  const unknown = new Map<string, UnknownWord>();
  let promptsWithUnknownWords = 0;
  prompts.forEach((p, index) => {
    const tokens = tokenizer.tokenCount(p.prompt);
    perPrompt.push(tokens);
    if (tokens > tokenizer.contextLength) truncated.push({ index, line: p.line, field: 'prompt', tokens });
    if (p.negativePrompt) {
      const negative = tokenizer.tokenCount(p.negativePrompt);
      if (negative > tokenizer.contextLength) truncated.push({ index, line: p.line, field: 'negativePrompt', tokens: negative });
    }
    const words = tokenizer.unknownWords(p.prompt);
    if (words.length > 0) promptsWithUnknownWords++;
    for (const word of words) {
      const entry = unknown.get(word) ?? { word, count: 0, lines: [] };
      if (entry.count === 0) unknown.set(word, entry);
      entry.count++;
      if (entry.lines.length < MAX_LINES_PER_WORD && entry.lines[entry.lines.length - 1] !== p.line) entry.lines.push(p.line);
    }
  });
  // Loops, not Math.min(...perPrompt): a spread of 10⁵ arguments overflows the stack.
  let min = Infinity, max = 0, total = 0;
  for (const n of perPrompt) {
    min = Math.min(min, n);
    max = Math.max(max, n);
    total += n;
  }

  return {
    count: prompts.length,
    distinct: near.size,
    withNegativePrompt: prompts.filter((p) => p.negativePrompt).length,
    exactDuplicates,
    nearDuplicates,
    tokens: {
      contextLength: tokenizer.contextLength,
      perPrompt,
      min: perPrompt.length ? min : 0,
      max,
      mean: perPrompt.length ? total / perPrompt.length : 0,
      truncated,
    },
    unknownWords: [...unknown.values()].sort((a, b) => b.count - a.count || (a.word < b.word ? -1 : a.word > b.word ? 1 : 0)),
    promptsWithUnknownWords,
  };
}

/** Indices of the items by key, groups in order of first appearance. */
function groupBy<T>(items: readonly T[], key: (item: T) => string): Map<string, number[]> {
  const groups = new Map<string, number[]>();
  items.forEach((item, i) => {
    const k = key(item);
    const members = groups.get(k);
    if (members) members.push(i);
    else groups.set(k, [i]);
  });
  return groups;
}
