/**
 * `.csv` / `.tsv`: a header row naming the columns; `prompt` (any case) is
 * required, `seed` and `negative_prompt` are optional, other columns are
 * ignored with a warning. Quoting follows RFC 4180 (fields in double quotes
 * may hold the delimiter, newlines and `""` for a quote), which is also what
 * Excel and pandas write for tab-separated files.
 */
import { columnOf, type Column, type Entry, type Parser, plural, PromptFileError, READ_COLUMNS, seedOf } from './prompt-set';
import { describeChar, lineStarts, positionOf } from './text-position';

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

export const parseCsv: Parser = (name, text, warnings) => parseDelimited(name, text, ',', warnings);
export const parseTsv: Parser = (name, text, warnings) => parseDelimited(name, text, '\t', warnings);

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
  if (ignored.length > 0) warnings.push(`columns ignored: ${ignored.map((c) => `"${c}"`).join(', ')} ${READ_COLUMNS}`);

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
