/** A JSON value as a prompt entry, shared by `.json` and `.jsonl`: a string, or an object with `prompt`, `seed`, `negative_prompt`. */
import { columnOf, type Column, type Entry, PromptFileError, READ_COLUMNS, seedOf } from './prompt-set';

/** A JSON string or object as a prompt entry; `where` names it in messages ("line 4", "element 3 (line 5)"). */
export function entryOf(name: string, value: unknown, where: string, line: number, ignored: Set<string>): Entry {
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

export function jsonKind(value: unknown): string {
  if (value === null) return 'null';
  if (Array.isArray(value)) return 'an array';
  if (typeof value === 'object') return 'an object';
  return `a ${typeof value} (${JSON.stringify(value)})`;
}

export function ignoredFieldsWarning(ignored: Set<string>, warnings: string[]): void {
  if (ignored.size > 0) warnings.push(`fields ignored: ${[...ignored].map((k) => `"${k}"`).join(', ')} ${READ_COLUMNS}`);
}
