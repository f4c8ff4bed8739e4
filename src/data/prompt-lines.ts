/**
 * A plain-text prompt list: one prompt per line, blank lines skipped, a
 * UTF-8 BOM and Windows line ends tolerated. Prompt i (0-based, counting
 * prompts, not lines) gets seed `baseSeed + i`.
 */
export interface PromptLine {
  prompt: string;
  seed: number;
  /** 1-based line in the file, for messages. */
  line: number;
}

export function parsePromptLines(text: string, baseSeed: number, where = 'prompt file'): PromptLine[] {
  if (!Number.isSafeInteger(baseSeed) || baseSeed < 0) throw new RangeError(`seed must be a non-negative integer, got ${baseSeed}`);
  if (text.includes('\u0000')) throw new Error(`${where} contains NUL bytes: it looks binary, not a text file of prompts`);
  const out: PromptLine[] = [];
  text
    .replace(/^\uFEFF/, '')
    .split(/\r?\n/)
    .forEach((raw, i) => {
      const prompt = raw.trim();
      if (prompt) out.push({ prompt, seed: baseSeed + out.length, line: i + 1 });
    });
  if (out.length === 0) throw new Error(`${where} has no prompts (one per line expected)`);
  return out;
}
