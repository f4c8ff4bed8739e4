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

export type PromptFormat = 'txt' | 'csv' | 'tsv' | 'json' | 'jsonl';

/** The extensions `parsePromptFile` reads, for a file picker's `accept` and for messages. */
export const PROMPT_FILE_EXTENSIONS: readonly string[] = ['.txt', '.csv', '.tsv', '.json', '.jsonl'];

/**
 * Largest prompt file read: the whole set is held in memory, in the store and
 * in every trajectory file's metadata, and 32 MiB is already ~300,000 prompts
 * of 100 characters. Checked on the byte count before any decoding, so a huge
 * drop is refused at once.
 */
export const MAX_PROMPT_FILE_BYTES = 32 * 2 ** 20;

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

export interface PromptFileOptions {
  /** Seed of prompt 0 when the file gives none; prompt i gets baseSeed + i (default 0). */
  baseSeed?: number;
  /** Byte limit (default MAX_PROMPT_FILE_BYTES). */
  maxBytes?: number;
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
  const text = decodeText(name, bytes, format);
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

/** A prompt as read, before seeds are given out; an empty prompt is skipped with a warning. */
interface Entry {
  prompt: string;
  seed?: number;
  negativePrompt?: string;
  line: number;
}

type Parser = (name: string, text: string, warnings: string[]) => Entry[];

const PARSERS: Record<PromptFormat, Parser> = {
  txt: parseTxt,
  csv: (name, text, warnings) => parseDelimited(name, text, ',', warnings),
  tsv: (name, text, warnings) => parseDelimited(name, text, '\t', warnings),
  json: parseJson,
  jsonl: parseJsonl,
};

// ---------------------------------------------------------------------------
// Bytes → text

/** Share of control bytes (other than tab, LF, FF, CR) above which a file is taken for binary; random bytes have ~11%, text ~0. */
const BINARY_CONTROL_SHARE = 0.05;
const SNIFF_BYTES = 65536;

function decodeText(name: string, bytes: Uint8Array, format: PromptFormat): string {
  if (bytes.length === 0) throw new PromptFileError(`${name} is empty (0 bytes): ${NO_PROMPTS_HINT[format]}`);
  if ((bytes[0] === 0xff && bytes[1] === 0xfe) || (bytes[0] === 0xfe && bytes[1] === 0xff)) {
    throw new PromptFileError(`${name} is UTF-16 text (Excel's "Unicode Text" saves this): save it as UTF-8 ("CSV UTF-8" in Excel, "UTF-8" in other editors)`, 1, 1);
  }
  const nul = bytes.indexOf(0);
  if (nul >= 0) {
    const { line, column } = bytePosition(bytes, nul);
    throw new PromptFileError(`${name} looks like a binary file, not text: a NUL byte at line ${line}, column ${column}. Prompt files are UTF-8 text (${PROMPT_FILE_EXTENSIONS.join(', ')})`, line, column);
  }
  const sample = bytes.subarray(0, SNIFF_BYTES);
  let control = 0;
  for (const b of sample) if ((b < 0x20 && b !== 0x09 && b !== 0x0a && b !== 0x0c && b !== 0x0d) || b === 0x7f) control++;
  if (control > BINARY_CONTROL_SHARE * sample.length) {
    throw new PromptFileError(`${name} looks like a binary file, not text: ${Math.round((100 * control) / sample.length)}% of its first ${sample.length} bytes are control characters. Prompt files are UTF-8 text (${PROMPT_FILE_EXTENSIONS.join(', ')})`);
  }
  try {
    // The default ignoreBOM: false drops a leading UTF-8 BOM.
    return new TextDecoder('utf-8', { fatal: true }).decode(bytes);
  } catch (error) {
    const bad = firstInvalidUtf8(bytes);
    if (bad < 0) throw error;
    const { line, column } = bytePosition(bytes, bad);
    throw new PromptFileError(
      `${name}: line ${line}, column ${column}: byte 0x${bytes[bad].toString(16).toUpperCase().padStart(2, '0')} is not valid UTF-8. Save the file as UTF-8 (it may be Latin-1 or Windows-1252; Excel: "CSV UTF-8")`,
      line,
      column,
    );
  }
}

/**
 * Offset of the first byte that starts an ill-formed UTF-8 sequence, by the
 * well-formed byte sequences table (Unicode 15, Table 3-7), which is what
 * TextDecoder's fatal mode enforces; -1 when the bytes are valid.
 */
export function firstInvalidUtf8(bytes: Uint8Array): number {
  const n = bytes.length;
  let i = 0;
  while (i < n) {
    const b = bytes[i];
    if (b < 0x80) {
      i++;
      continue;
    }
    // Continuation count and the allowed range of the second byte for this lead byte.
    let count: number, lo = 0x80, hi = 0xbf;
    if (b >= 0xc2 && b <= 0xdf) count = 1;
    else if (b >= 0xe0 && b <= 0xef) {
      count = 2;
      if (b === 0xe0) lo = 0xa0;
      if (b === 0xed) hi = 0x9f;
    } else if (b >= 0xf0 && b <= 0xf4) {
      count = 3;
      if (b === 0xf0) lo = 0x90;
      if (b === 0xf4) hi = 0x8f;
    } else return i;
    if (i + count >= n) return i;
    if (bytes[i + 1] < lo || bytes[i + 1] > hi) return i;
    for (let k = 2; k <= count; k++) if (bytes[i + k] < 0x80 || bytes[i + k] > 0xbf) return i;
    i += count + 1;
  }
  return -1;
}

/** 1-based line and column (in bytes) of a byte offset; CRLF, LF and a lone CR each end a line. */
function bytePosition(bytes: Uint8Array, offset: number): { line: number; column: number } {
  let line = 1;
  let start = 0;
  for (let i = 0; i < offset; i++) {
    const b = bytes[i];
    if (b === 0x0a || (b === 0x0d && bytes[i + 1] !== 0x0a)) {
      line++;
      start = i + 1;
    }
  }
  // Columns count characters: the valid UTF-8 before the offset on its line, decoded.
  const column = new TextDecoder().decode(bytes.subarray(start, offset)).length + 1;
  return { line, column };
}

// ---------------------------------------------------------------------------
// Positions in text

/** Offsets where each line starts (CRLF, LF and a lone CR end a line), to turn offsets into line and column. */
function lineStarts(text: string): number[] {
  const starts = [0];
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (c === 0x0a) starts.push(i + 1);
    else if (c === 0x0d) {
      if (text.charCodeAt(i + 1) === 0x0a) i++;
      starts.push(i + 1);
    }
  }
  return starts;
}

/** 1-based line and column (UTF-16 units, as editors count) of an offset. */
function positionOf(starts: readonly number[], offset: number): { line: number; column: number } {
  let lo = 0;
  let hi = starts.length - 1;
  while (lo < hi) {
    const mid = (lo + hi + 1) >> 1;
    if (starts[mid] <= offset) lo = mid;
    else hi = mid - 1;
  }
  return { line: lo + 1, column: offset - starts[lo] + 1 };
}

function splitLines(text: string): string[] {
  return text.split(/\r\n|\r|\n/);
}

// ---------------------------------------------------------------------------
// .txt

function parseTxt(_name: string, text: string, warnings: string[]): Entry[] {
  const entries: Entry[] = [];
  splitLines(text).forEach((raw, i) => {
    const prompt = raw.trim();
    if (prompt) entries.push({ prompt, line: i + 1 });
  });
  const first = entries[0]?.prompt ?? '';
  if (entries[0]?.line === 1 && /^"?prompt"?\s*(,|\t|$)/i.test(first) && /[,\t]/.test(first)) {
    warnings.push(`line 1 "${first}" looks like a CSV header; it is read as a prompt. Name the file .csv (or .tsv) to read its columns`);
  }
  return entries;
}

// ---------------------------------------------------------------------------
// .csv / .tsv (RFC 4180)

interface CsvRecord {
  fields: string[];
  /** Offset where the record starts. */
  offset: number;
}

/**
 * RFC 4180 records. A field that starts with `"` is quoted: it runs to the
 * next `"` not doubled, and may hold the delimiter and line ends; after its
 * closing quote comes the delimiter, a line end or the end of the file. An
 * unquoted field runs to the delimiter or the line end, quotes inside it kept
 * as written (`a 12" record`), as most readers do.
 */
function csvRecords(name: string, text: string, delimiter: string, starts: readonly number[]): CsvRecord[] {
  const records: CsvRecord[] = [];
  const n = text.length;
  const fail = (message: string, at: number): never => {
    const { line, column } = positionOf(starts, at);
    throw new PromptFileError(`${name}: line ${line}, column ${column}: ${message}`, line, column);
  };
  let i = 0;
  while (i < n) {
    const offset = i;
    const fields: string[] = [];
    for (;;) {
      let field: string;
      if (text[i] === '"') {
        const open = i;
        field = '';
        let from = i + 1;
        for (;;) {
          const q = text.indexOf('"', from);
          if (q < 0) fail('this quoted field is never closed: a field that starts with " must end with " (a quote inside it is written "")', open);
          field += text.slice(from, q);
          if (text[q + 1] === '"') {
            field += '"';
            from = q + 2;
            continue;
          }
          i = q + 1;
          break;
        }
        const c = text[i];
        if (i < n && c !== delimiter && c !== '\n' && c !== '\r') {
          fail(`${describeChar(c)} after the closing quote of a quoted field: a quote inside a quoted field is written twice (""), and the field must end with its quote`, i);
        }
        field = field.replace(/\r\n?/g, '\n');
      } else {
        let j = i;
        while (j < n && text[j] !== delimiter && text[j] !== '\n' && text[j] !== '\r') j++;
        field = text.slice(i, j);
        i = j;
      }
      fields.push(field);
      if (i >= n) break;
      if (text[i] === delimiter) {
        i++;
        continue;
      }
      i += text[i] === '\r' && text[i + 1] === '\n' ? 2 : 1;
      break;
    }
    records.push({ fields, offset });
  }
  return records;
}

type Column = 'prompt' | 'seed' | 'negative_prompt';
const COLUMN_ALIASES: Record<string, Column> = { prompt: 'prompt', seed: 'seed', negative_prompt: 'negative_prompt', negativeprompt: 'negative_prompt' };

/** A column or field name as matched: any case, spaces and hyphens as underscores (`Negative Prompt`, `negativePrompt`). */
function columnOf(key: string): Column | undefined {
  return COLUMN_ALIASES[key.trim().toLowerCase().replace(/[\s-]+/g, '_')];
}

function parseDelimited(name: string, text: string, delimiter: ',' | '\t', warnings: string[]): Entry[] {
  const starts = lineStarts(text);
  const records = csvRecords(name, text, delimiter, starts).filter((r) => !(r.fields.length === 1 && r.fields[0].trim() === ''));
  if (records.length === 0) return [];
  const [header, ...rows] = records;
  const headerLine = positionOf(starts, header.offset).line;
  const names = header.fields.map((f) => f.trim());
  const index: Partial<Record<Column, number>> = {};
  const ignored: string[] = [];
  names.forEach((raw, k) => {
    const column = columnOf(raw);
    if (!column) {
      if (raw) ignored.push(raw);
      return;
    }
    if (index[column] !== undefined) throw new PromptFileError(`${name}: line ${headerLine}: the header names the "${column}" column twice (columns ${index[column]! + 1} and ${k + 1}); keep one`, headerLine);
    index[column] = k;
  });
  const promptColumn = index.prompt;
  if (promptColumn === undefined) throw new PromptFileError(noPromptColumn(name, headerLine, names, delimiter), headerLine);
  if (ignored.length > 0) warnings.push(`columns ignored: ${ignored.map((c) => `"${c}"`).join(', ')} (read are "prompt", "seed", "negative_prompt")`);

  const kind = delimiter === ',' ? 'comma' : 'tab';
  return rows.map((row): Entry => {
    const line = positionOf(starts, row.offset).line;
    // More fields than columns is an unquoted delimiter inside a prompt, unless the extra ones are empty (trailing delimiters).
    if (row.fields.length > names.length && row.fields.slice(names.length).some((f) => f.trim() !== '')) {
      throw new PromptFileError(
        `${name}: line ${line}: ${row.fields.length} fields, but the header names ${plural(names.length, 'column')} (${names.join(delimiter === ',' ? ', ' : ' | ')}). A prompt that contains a ${kind} must be in double quotes, e.g. "a cat${delimiter === ',' ? ',' : '\t'} oil painting"`,
        line,
      );
    }
    const field = (column: Column): string => (index[column] !== undefined ? (row.fields[index[column]!] ?? '').trim() : '');
    const seedText = field('seed');
    const negativePrompt = field('negative_prompt');
    return {
      prompt: field('prompt'),
      seed: seedText === '' ? undefined : seedOf(seedText, () => `${name}: line ${line}, field "seed"`, line),
      negativePrompt: negativePrompt || undefined,
      line,
    };
  });
}

function noPromptColumn(name: string, line: number, names: readonly string[], delimiter: ',' | '\t'): string {
  const found = names.length > 0 ? names.map((c) => `"${c}"`).join(', ') : 'none';
  let hint = 'The first row must name the columns, one of them "prompt" (optional: "seed", "negative_prompt")';
  const joined = names.join(delimiter);
  if (names.length === 1 && /;/.test(joined) && joined.split(';').some((c) => columnOf(c) === 'prompt')) hint = 'The header is split by semicolons: save the file with commas as the separator';
  else if (delimiter === ',' && names.length === 1 && joined.split('\t').some((c) => columnOf(c) === 'prompt')) hint = 'The header is split by tabs: name the file .tsv';
  else if (delimiter === '\t' && names.length === 1 && joined.split(',').some((c) => columnOf(c) === 'prompt')) hint = 'The header is split by commas: name the file .csv';
  else if (names.length === 1) hint += '. A list without a header is a .txt file, one prompt per line';
  return `${name}: line ${line}: no "prompt" column. Columns found: ${found}. ${hint}`;
}

// ---------------------------------------------------------------------------
// Seeds

/** A seed from text ("42", or "42.0" as pandas writes integer columns with gaps) or a JSON value; throws naming `where()`. */
function seedOf(value: unknown, where: () => string, line: number): number | undefined {
  if (value === null || value === undefined) return undefined;
  let seed = NaN;
  if (typeof value === 'number') seed = value;
  else if (typeof value === 'string' && /^\+?\d+(\.0*)?$/.test(value.trim())) seed = Number(value.trim());
  if (Number.isInteger(seed) && seed >= 0 && seed <= MAX_SEED) return seed;
  const shown = typeof value === 'string' ? `"${value}"` : JSON.stringify(value);
  throw new PromptFileError(`${where()}: the seed ${shown} is not an integer in [0, ${MAX_SEED}]: write a whole number, or leave it out to use the base seed + the prompt's index`, line);
}

// ---------------------------------------------------------------------------
// .json / .jsonl

/** A JSON syntax error at an offset of the text parsed. */
class JsonSyntaxError extends Error {
  constructor(
    message: string,
    readonly offset: number,
  ) {
    super(message);
  }
}

/** Deep enough for any prompt file (which needs 2), shallow enough that no input overflows the stack. */
const MAX_JSON_DEPTH = 64;
const NUMBER = /-?(?:0|[1-9]\d*)(?:\.\d+)?(?:[eE][+-]?\d+)?/y;

/**
 * A strict JSON (RFC 8259) reader that, unlike JSON.parse, says where it
 * failed in the same words in every browser, and records the offset of each
 * element of the top-level array, so prompts keep their line numbers.
 * Objects come back with a null prototype (a "__proto__" key is data).
 */
class JsonReader {
  i = 0;
  /** Offsets of the top-level array's elements. */
  readonly elementOffsets: number[] = [];

  constructor(readonly text: string) {}

  /** The one value of the text, with nothing but whitespace after it. */
  document(): unknown {
    this.ws();
    if (this.i >= this.text.length) this.fail('no JSON value (the text is blank)');
    const value = this.value(0);
    this.ws();
    if (this.i < this.text.length) this.fail(`${describeChar(this.text[this.i])} after the end of the JSON value`);
    return value;
  }

  fail(message: string, at = this.i): never {
    throw new JsonSyntaxError(message, at);
  }

  ws(): void {
    const t = this.text;
    while (this.i < t.length) {
      const c = t.charCodeAt(this.i);
      if (c !== 0x20 && c !== 0x09 && c !== 0x0a && c !== 0x0d) break;
      this.i++;
    }
  }

  value(depth: number): unknown {
    if (depth > MAX_JSON_DEPTH) this.fail(`nested more than ${MAX_JSON_DEPTH} deep`);
    const t = this.text;
    const c = t[this.i];
    if (c === '"') return this.string();
    if (c === '[') return this.array(depth);
    if (c === '{') return this.object(depth);
    if (c === undefined) this.fail('the text ends where a value should be: is the file cut short?');
    for (const [word, value] of [['true', true], ['false', false], ['null', null]] as const) {
      if (t.startsWith(word, this.i)) {
        this.i += word.length;
        return value;
      }
    }
    NUMBER.lastIndex = this.i;
    const m = NUMBER.exec(t);
    if (m) {
      this.i += m[0].length;
      return Number(m[0]);
    }
    if (c === "'") this.fail('JSON strings are in double quotes ("), not single quotes');
    this.fail(`${describeChar(c)} where a value should be (a "string", number, object, array, true, false or null)`);
  }

  array(depth: number): unknown[] {
    const out: unknown[] = [];
    this.i++;
    this.ws();
    if (this.text[this.i] === ']') {
      this.i++;
      return out;
    }
    for (;;) {
      if (depth === 0) this.elementOffsets.push(this.i);
      out.push(this.value(depth + 1));
      this.ws();
      const c = this.text[this.i];
      if (c === ']') {
        this.i++;
        return out;
      }
      if (c !== ',') this.fail(c === undefined ? 'the text ends inside an array (no closing "]"): is the file cut short?' : `expected "," or "]" after an array element, found ${describeChar(c)}`);
      const comma = this.i;
      this.i++;
      this.ws();
      if (this.text[this.i] === ']') this.fail('a trailing comma before "]": JSON allows none, remove it', comma);
    }
  }

  object(depth: number): Record<string, unknown> {
    const out: Record<string, unknown> = Object.create(null);
    this.i++;
    this.ws();
    if (this.text[this.i] === '}') {
      this.i++;
      return out;
    }
    for (;;) {
      const k = this.text[this.i];
      if (k !== '"') this.fail(k === undefined ? 'the text ends inside an object (no closing "}"): is the file cut short?' : `expected a field name in double quotes, found ${describeChar(k)}`);
      const key = this.string();
      this.ws();
      if (this.text[this.i] !== ':') this.fail(`expected ":" after the field name "${key}", found ${describeChar(this.text[this.i])}`);
      this.i++;
      this.ws();
      out[key] = this.value(depth + 1);
      this.ws();
      const c = this.text[this.i];
      if (c === '}') {
        this.i++;
        return out;
      }
      if (c !== ',') this.fail(c === undefined ? 'the text ends inside an object (no closing "}"): is the file cut short?' : `expected "," or "}" after a field, found ${describeChar(c)}`);
      const comma = this.i;
      this.i++;
      this.ws();
      if (this.text[this.i] === '}') this.fail('a trailing comma before "}": JSON allows none, remove it', comma);
    }
  }

  string(): string {
    const t = this.text;
    const open = this.i;
    let escaped = false;
    let j = open + 1;
    for (;;) {
      if (j >= t.length) this.fail('this string is never closed (no ending ")', open);
      const c = t.charCodeAt(j);
      if (c === 0x22) break;
      if (c < 0x20) this.fail(`${describeChar(t[j])} inside a string: write it as an escape (\\n for a line end, \\t for a tab)`, j);
      if (c === 0x5c) {
        escaped = true;
        const e = t[j + 1];
        if (e === 'u') {
          if (!/^[0-9a-fA-F]{4}$/.test(t.slice(j + 2, j + 6))) this.fail('"\\u" must be followed by four hex digits', j);
          j += 6;
          continue;
        }
        if (e === undefined || !'"\\/bfnrt'.includes(e)) this.fail(`"\\${e ?? ''}" is not a JSON escape (allowed: \\" \\\\ \\/ \\b \\f \\n \\r \\t \\uXXXX)`, j);
        j += 2;
        continue;
      }
      j++;
    }
    this.i = j + 1;
    // Validated above, so JSON.parse decodes the escapes and cannot throw.
    return escaped ? (JSON.parse(t.slice(open, j + 1)) as string) : t.slice(open + 1, j);
  }
}

function describeChar(c: string | undefined): string {
  if (c === undefined) return 'the end of the text';
  if (c === '\n' || c === '\r') return 'a line end';
  if (c === '\t') return 'a tab';
  if (c === '"') return 'a quote (")';
  const code = c.charCodeAt(0);
  if (code < 0x20 || code === 0x7f) return `the control character U+${code.toString(16).toUpperCase().padStart(4, '0')}`;
  return `"${c}"`;
}

/** A JSON string or object as a prompt entry; `where` names it in messages ("line 4", "element 3 (line 5)"). */
function entryOf(name: string, value: unknown, where: string, line: number, ignored: Set<string>): Entry {
  if (typeof value === 'string') return { prompt: value.trim(), line };
  if (typeof value !== 'object' || value === null || Array.isArray(value)) {
    throw new PromptFileError(`${name}: ${where} is ${jsonKind(value)}: each prompt must be a string or an object with a "prompt" field, like {"prompt": "a red circle", "seed": 3}`, line);
  }
  const fields: Partial<Record<Column, unknown>> = {};
  for (const [key, v] of Object.entries(value)) {
    const column = columnOf(key);
    if (column) fields[column] = v;
    else ignored.add(key);
  }
  const keys = Object.keys(value);
  if (fields.prompt === undefined) {
    throw new PromptFileError(`${name}: ${where} has no "prompt" field (its fields: ${keys.length ? keys.map((k) => `"${k}"`).join(', ') : 'none'}); each object needs one, like {"prompt": "a red circle"}`, line);
  }
  if (typeof fields.prompt !== 'string') throw new PromptFileError(`${name}: ${where}: "prompt" is ${jsonKind(fields.prompt)}; it must be a string`, line);
  const negative = fields.negative_prompt;
  if (negative !== undefined && negative !== null && typeof negative !== 'string') throw new PromptFileError(`${name}: ${where}: "negative_prompt" is ${jsonKind(negative)}; it must be a string (or left out)`, line);
  return {
    prompt: fields.prompt.trim(),
    seed: seedOf(fields.seed, () => `${name}: ${where}, field "seed"`, line),
    negativePrompt: typeof negative === 'string' && negative.trim() ? negative.trim() : undefined,
    line,
  };
}

function jsonKind(value: unknown): string {
  if (value === null) return 'null';
  if (Array.isArray(value)) return 'an array';
  if (typeof value === 'object') return 'an object';
  return `a ${typeof value} (${JSON.stringify(value)})`;
}

function ignoredFieldsWarning(ignored: Set<string>, warnings: string[]): void {
  if (ignored.size > 0) warnings.push(`fields ignored: ${[...ignored].map((k) => `"${k}"`).join(', ')} (read are "prompt", "seed", "negative_prompt")`);
}

function parseJson(name: string, text: string, warnings: string[]): Entry[] {
  const starts = lineStarts(text);
  const reader = new JsonReader(text);
  let value: unknown;
  try {
    value = reader.document();
  } catch (error) {
    if (!(error instanceof JsonSyntaxError)) throw error;
    const { line, column } = positionOf(starts, error.offset);
    // A second value on a later line: the file is JSON Lines under the wrong name.
    const hint = /after the end of the JSON value/.test(error.message) && line > 1 ? '. One value per line is JSON Lines: name the file .jsonl' : '';
    throw new PromptFileError(`${name}: line ${line}, column ${column}: invalid JSON: ${error.message}${hint}`, line, column);
  }
  if (!Array.isArray(value)) {
    const keys = typeof value === 'object' && value !== null ? ` with the fields ${Object.keys(value).map((k) => `"${k}"`).join(', ') || 'none'}` : '';
    throw new PromptFileError(`${name}: line 1: the file is ${jsonKind(value)}${keys}; a .json prompt file is an array: ["a red circle", …] or [{"prompt": "a red circle", "seed": 3}, …]`, 1);
  }
  const ignored = new Set<string>();
  const entries = value.map((v, k) => {
    const line = positionOf(starts, reader.elementOffsets[k]).line;
    return entryOf(name, v, `element ${k + 1} (line ${line})`, line, ignored);
  });
  ignoredFieldsWarning(ignored, warnings);
  return entries;
}

function parseJsonl(name: string, text: string, warnings: string[]): Entry[] {
  const ignored = new Set<string>();
  const entries: Entry[] = [];
  splitLines(text).forEach((raw, k) => {
    const line = k + 1;
    if (raw.trim() === '') return;
    const reader = new JsonReader(raw);
    let value: unknown;
    try {
      value = reader.document();
    } catch (error) {
      if (!(error instanceof JsonSyntaxError)) throw error;
      const column = error.offset + 1;
      const hint = line === 1 && /^\s*\[\s*$/.test(raw) ? '. A file that is one JSON array is .json: rename it' : '';
      throw new PromptFileError(`${name}: line ${line}, column ${column}: invalid JSON: ${error.message}${hint}. Each line of a .jsonl file is one complete JSON string or object`, line, column);
    }
    if (Array.isArray(value)) throw new PromptFileError(`${name}: line ${line} is an array: each line of a .jsonl file is one prompt, a string or an object with a "prompt" field (a file that is one JSON array is .json)`, line);
    entries.push(entryOf(name, value, `line ${line}`, line, ignored));
  });
  ignoredFieldsWarning(ignored, warnings);
  return entries;
}

// ---------------------------------------------------------------------------

function megabytes(bytes: number): string {
  if (bytes < 1e5) return `${bytes} bytes`;
  return bytes >= 2 ** 20 && bytes % 2 ** 20 === 0 ? `${bytes / 2 ** 20} MiB` : `${(bytes / 1e6).toFixed(1)} MB`;
}

function plural(n: number, noun: string): string {
  return `${n} ${noun}${n === 1 ? '' : 's'}`;
}

/** "line 4", "lines 4, 9, 12", "lines 4, 9, … (25 in all)". */
function lineList(lines: readonly number[], max = 10): string {
  if (lines.length === 1) return `line ${lines[0]}`;
  const shown = lines.slice(0, max).join(', ');
  return `lines ${shown}${lines.length > max ? `, … (${lines.length} in all)` : ''}`;
}
