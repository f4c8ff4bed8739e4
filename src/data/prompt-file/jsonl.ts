/** `.jsonl` (JSON Lines): one prompt string or `{"prompt": …}` object per line, blank lines skipped. */
import { entryOf, ignoredFieldsWarning } from './json-entry';
import { JsonSyntaxError, readJson } from './json-reader';
import { type Entry, PromptFileError } from './prompt-set';
import { splitLines } from './text-position';

export function parseJsonl(name: string, text: string, warnings: string[]): Entry[] {
  const ignored = new Set<string>();
  const entries: Entry[] = [];
  splitLines(text).forEach((raw, k) => {
    const line = k + 1;
    if (raw.trim() === '') return;
    let value: unknown;
    try {
      value = readJson(raw).value;
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
