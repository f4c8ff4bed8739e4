/** `.txt`: one prompt per line, blank lines skipped. */
import type { Entry } from './prompt-set';
import { splitLines } from './text-position';

export function parseTxt(_name: string, text: string, warnings: string[]): Entry[] {
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
