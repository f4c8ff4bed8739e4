import { readFile, stat } from 'node:fs/promises';
import { checkPromptFileSize, parsePromptFile, PromptFileError, PROMPT_FILE_EXTENSIONS, type PromptRecord } from '../data/prompt-file';
import { note } from './progress';
import { UsageError } from './usage-error';

/** What `--prompts` accepts, for the verbs' help. */
export const PROMPTS_HELP = `prompt file: ${PROMPT_FILE_EXTENSIONS.join(', ')} (a prompt column or field; optional seed, negative_prompt; prompt i without a seed uses seed + i)`;

/**
 * A command's `--prompts` file in any format `parsePromptFile` reads; the size
 * is checked before the file is read, bad files are usage errors, and the
 * parser's warnings go to stderr.
 */
export async function readPromptFile(verb: string, path: string, seed: number): Promise<PromptRecord[]> {
  const info = await stat(path).catch(() => {
    throw new UsageError(`${verb}: prompt file not found: ${path}`);
  });
  if (!info.isFile()) throw new UsageError(`${verb}: prompt file ${path} is not a file`);
  try {
    checkPromptFileSize(path, info.size);
    const set = parsePromptFile(path, await readFile(path), { baseSeed: seed });
    for (const warning of set.warnings) note(`${verb}: warning: ${path}: ${warning}`);
    return set.prompts;
  } catch (error) {
    if (error instanceof PromptFileError) throw new UsageError(`${verb}: ${error.message}`);
    throw error;
  }
}
