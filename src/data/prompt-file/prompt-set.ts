/** What a prompt file reads into, its error, and the pieces every format shares (seeds, column names). */

export type PromptFormat = 'txt' | 'csv' | 'tsv' | 'json' | 'jsonl';

/** The extensions `parsePromptFile` reads, for a file picker's `accept` and for messages. */
export const PROMPT_FILE_EXTENSIONS: readonly string[] = ['.txt', '.csv', '.tsv', '.json', '.jsonl'];

/** Seeds are unsigned 32-bit (the Philox key word of gaussian-noise.ts). */
export const MAX_SEED = 2 ** 32 - 1;

export interface PromptRecord {
  prompt: string;
  seed: number;
  /** Absent when the file gives none (or an empty one). */
  negativePrompt?: string;
  /** 1-based line of the file where the prompt (its CSV record, its JSON element) starts, for messages. */
  line: number;
}

export interface PromptSet {
  prompts: PromptRecord[];
  format: PromptFormat;
  /** Things read but not used (ignored columns or fields, empty prompts skipped); the set is still good. */
  warnings: string[];
}

/** A prompt file that cannot be read: `message` says where and what to do; `line`/`column` (1-based) when known. */
export class PromptFileError extends Error {
  constructor(
    message: string,
    readonly line: number | null = null,
    readonly column: number | null = null,
  ) {
    super(message);
    this.name = 'PromptFileError';
  }
}

/** A prompt as a format reads it, before seeds are given out; an empty prompt is skipped with a warning. */
export interface Entry {
  prompt: string;
  seed?: number;
  negativePrompt?: string;
  line: number;
}

/** One format's reader: the file's decoded text to entries, pushing what it ignored onto `warnings`. */
export type Parser = (name: string, text: string, warnings: string[]) => Entry[];

export type Column = 'prompt' | 'seed' | 'negative_prompt';
const COLUMN_ALIASES: Record<string, Column> = { prompt: 'prompt', seed: 'seed', negative_prompt: 'negative_prompt', negativeprompt: 'negative_prompt' };

/** What a CSV column or JSON field name reads as: any case, spaces and hyphens as underscores (`Negative Prompt`, `negativePrompt`). */
export function columnOf(key: string): Column | undefined {
  return COLUMN_ALIASES[key.trim().toLowerCase().replace(/[\s-]+/g, '_')];
}

/** The column or field names read, for "ignored" warnings. */
export const READ_COLUMNS = '(read are "prompt", "seed", "negative_prompt")';

/** A seed from text ("42", or "42.0" as pandas writes integer columns with gaps) or a JSON value; throws naming `where()`. */
export function seedOf(value: unknown, where: () => string, line: number): number | undefined {
  if (value === null || value === undefined) return undefined;
  let seed = NaN;
  if (typeof value === 'number') seed = value;
  else if (typeof value === 'string' && /^\+?\d+(\.0*)?$/.test(value.trim())) seed = Number(value.trim());
  if (Number.isInteger(seed) && seed >= 0 && seed <= MAX_SEED) return seed;
  const shown = typeof value === 'string' ? `"${value}"` : JSON.stringify(value);
  throw new PromptFileError(`${where()}: the seed ${shown} is not an integer in [0, ${MAX_SEED}]: write a whole number, or leave it out to use the base seed + the prompt's index`, line);
}

export function plural(n: number, noun: string): string {
  return `${n} ${noun}${n === 1 ? '' : 's'}`;
}
