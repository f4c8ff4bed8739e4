import { readFile } from 'node:fs/promises';
import { parsePromptLines, type PromptLine } from '../data/prompt-lines';
import { UsageError } from './usage-error';

/** A command's `--prompts` file: one prompt per line, prompt i with seed `seed + i`; bad files are usage errors. */
export async function readPromptFile(verb: string, path: string, seed: number): Promise<PromptLine[]> {
  const text = await readFile(path, 'utf8').catch(() => {
    throw new UsageError(`${verb}: prompt file not found: ${path}`);
  });
  try {
    return parsePromptLines(text, seed, path);
  } catch (error) {
    throw new UsageError(`${verb}: ${(error as Error).message}`);
  }
}
