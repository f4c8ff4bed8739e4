/** `.json`: an array of prompt strings or of objects with `prompt`, `seed`, `negative_prompt`. */
import { entryOf, ignoredFieldsWarning, jsonKind } from './json-entry';
import { type JsonDocument, JsonSyntaxError, readJson } from './json-reader';
import { type Entry, PromptFileError } from './prompt-set';
import { lineStarts, positionOf } from './text-position';

export function parseJson(name: string, text: string, warnings: string[]): Entry[] {
  const starts = lineStarts(text);
  let document: JsonDocument;
  try {
    document = readJson(text);
  } catch (error) {
    if (!(error instanceof JsonSyntaxError)) throw error;
    const { line, column } = positionOf(starts, error.offset);
    // A second value on a later line: the file is JSON Lines under the wrong name.
    const hint = /after the end of the JSON value/.test(error.message) && line > 1 ? '. One value per line is JSON Lines: name the file .jsonl' : '';
    throw new PromptFileError(`${name}: line ${line}, column ${column}: invalid JSON: ${error.message}${hint}`, line, column);
  }
  const { value, elementOffsets } = document;
  if (!Array.isArray(value)) {
    const keys = typeof value === 'object' && value !== null ? ` with the fields ${Object.keys(value).map((k) => `"${k}"`).join(', ') || 'none'}` : '';
    throw new PromptFileError(`${name}: line 1: the file is ${jsonKind(value)}${keys}; a .json prompt file is an array: ["a red circle", …] or [{"prompt": "a red circle", "seed": 3}, …]`, 1);
  }
  const ignored = new Set<string>();
  const entries = value.map((v, k) => {
    const line = positionOf(starts, elementOffsets[k]).line;
    return entryOf(name, v, `element ${k + 1} (line ${line})`, line, ignored);
  });
  ignoredFieldsWarning(ignored, warnings);
  return entries;
}
