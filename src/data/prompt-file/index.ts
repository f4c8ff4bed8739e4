/**
 * Prompt sets from files, for the page (in a worker) and the CLI alike: the
 * file's name picks the format, its bytes are checked (size, empty, binary,
 * UTF-8) before anything is parsed, and every problem is one message naming
 * the line (and column or field) and what to do.
 *
 * Formats:
 *  - `.txt`: one prompt per line, blank lines skipped.
 *  - `.csv` / `.tsv`: a header row naming the columns; `prompt` (any case) is
 *    required, `seed` and `negative_prompt` are optional, other columns are
 *    ignored with a warning. Quoting follows RFC 4180 (fields in double
 *    quotes may hold the delimiter, newlines and `""` for a quote), which is
 *    also what Excel and pandas write for tab-separated files.
 *  - `.json`: an array of prompt strings or of objects with `prompt`, `seed`,
 *    `negative_prompt`.
 *  - `.jsonl`: one such string or object per line.
 *
 * A UTF-8 BOM and Windows (CRLF) or old Mac (CR) line ends are accepted
 * everywhere. Prompt i (0-based, counting prompts, not lines) without a seed
 * of its own gets `baseSeed + i`.
 */
import { parseCsv, parseTsv } from './delimited';
import { parseJson } from './json';
import { parseJsonl } from './jsonl';
import { MAX_SEED, type Parser, plural, PROMPT_FILE_EXTENSIONS, PromptFileError, type PromptFormat, type PromptRecord, type PromptSet } from './prompt-set';
import { decodeText } from './text-bytes';
import { parseTxt } from './txt';

export { MAX_SEED, PROMPT_FILE_EXTENSIONS, PromptFileError, type PromptFormat, type PromptRecord, type PromptSet } from './prompt-set';
export { firstInvalidUtf8 } from './text-bytes';

/**
 * Largest prompt file read: the whole set is held in memory, in the store and
 * in every trajectory file's metadata, and 32 MiB is already ~300,000 prompts
 * of 100 characters. Checked on the byte count before any decoding, so a huge
 * drop is refused at once.
 */
export const MAX_PROMPT_FILE_BYTES = 32 * 2 ** 20;

export interface PromptFileOptions {
  /** Seed of prompt 0 when the file gives none; prompt i gets baseSeed + i (default 0). */
  baseSeed?: number;
  /** Byte limit (default MAX_PROMPT_FILE_BYTES). */
  maxBytes?: number;
}

const FORMAT_OF_EXTENSION: Record<string, PromptFormat> = { '.txt': 'txt', '.csv': 'csv', '.tsv': 'tsv', '.json': 'json', '.jsonl': 'jsonl' };

/** The format of a file name by its extension (any case); throws PromptFileError naming the supported ones. */
export function promptFormatOf(name: string): PromptFormat {
  const base = name.split(/[\\/]/).pop() ?? name;
  const dot = base.lastIndexOf('.');
  const extension = dot > 0 ? base.slice(dot).toLowerCase() : '';
  const format = FORMAT_OF_EXTENSION[extension];
  if (format) return format;
  const what = extension ? `its extension "${extension}" is not a prompt file type` : 'it has no extension';
  throw new PromptFileError(`${name}: ${what}. Should be one of: ${PROMPT_FILE_EXTENSIONS.join(', ')} (rename the file if it is one of these)`);
}

/** Throws PromptFileError when `size` bytes is over the limit; call it with `File.size` before reading a dropped file. */
export function checkPromptFileSize(name: string, size: number, maxBytes = MAX_PROMPT_FILE_BYTES): void {
  if (size <= maxBytes) return;
  throw new PromptFileError(`${name} is ${megabytes(size)}, over the ${megabytes(maxBytes)} limit for a prompt file: use a smaller set (drop unused columns, or split the file)`);
}

/** Parses a prompt file; throws PromptFileError (one message with the line) on anything it cannot read. */
export function parsePromptFile(name: string, bytes: Uint8Array, options: PromptFileOptions = {}): PromptSet {
  const baseSeed = options.baseSeed ?? 0;
  if (!Number.isInteger(baseSeed) || baseSeed < 0 || baseSeed > MAX_SEED) throw new RangeError(`baseSeed = ${baseSeed} must be an integer in [0, ${MAX_SEED}]`);
  const format = promptFormatOf(name);
  checkPromptFileSize(name, bytes.length, options.maxBytes);
  if (bytes.length === 0) throw new PromptFileError(`${name} is empty (0 bytes): ${NO_PROMPTS_HINT[format]}`);
  const text = decodeText(name, bytes);
  const warnings: string[] = [];
  const entries = PARSERS[format](name, text, warnings);
  const empty = entries.filter((e) => e.prompt === '');
  if (empty.length > 0) warnings.push(`${plural(empty.length, 'empty prompt')} skipped (${lineList(empty.map((e) => e.line))})`);
  const kept = entries.filter((e) => e.prompt !== '');
  if (kept.length === 0) throw new PromptFileError(`${name} has no prompts: ${NO_PROMPTS_HINT[format]}`);
  const prompts = kept.map((e, i): PromptRecord => {
    const seed = e.seed ?? baseSeed + i;
    if (seed > MAX_SEED) throw new PromptFileError(`${name}: line ${e.line}: the default seed ${baseSeed} + ${i} = ${seed} is over ${MAX_SEED}: choose a smaller base seed`, e.line);
    return e.negativePrompt ? { prompt: e.prompt, seed, negativePrompt: e.negativePrompt, line: e.line } : { prompt: e.prompt, seed, line: e.line };
  });
  return { prompts, format, warnings };
}

const NO_PROMPTS_HINT: Record<PromptFormat, string> = {
  txt: 'write one prompt per line',
  csv: 'after the header row, write one prompt per row in the "prompt" column',
  tsv: 'after the header row, write one prompt per row in the "prompt" column',
  json: 'the array should list prompt strings or {"prompt": …} objects',
  jsonl: 'write one prompt string or {"prompt": …} object per line',
};

const PARSERS: Record<PromptFormat, Parser> = { txt: parseTxt, csv: parseCsv, tsv: parseTsv, json: parseJson, jsonl: parseJsonl };

function megabytes(bytes: number): string {
  if (bytes < 1e5) return `${bytes} bytes`;
  return bytes >= 2 ** 20 && bytes % 2 ** 20 === 0 ? `${bytes / 2 ** 20} MiB` : `${(bytes / 1e6).toFixed(1)} MB`;
}

/** "line 4", "lines 4, 9, 12", "lines 4, 9, … (25 in all)". */
function lineList(lines: readonly number[], max = 10): string {
  if (lines.length === 1) return `line ${lines[0]}`;
  const shown = lines.slice(0, max).join(', ');
  return `lines ${shown}${lines.length > max ? `, … (${lines.length} in all)` : ''}`;
}
