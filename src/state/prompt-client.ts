import { checkPromptFileSize, type PromptSet } from '../data/prompt-file';
import type { PromptPreview } from '../data/prompt-preview';
import type { PromptRequest, PromptResponse } from '../worker/prompt-protocol';

let worker: Worker | null = null;
let next = 1;
const waiting = new Map<number, (r: PromptResponse) => void>();

function ensure(): Worker {
  if (!worker) {
    worker = new Worker(new URL('../worker/prompt-worker.ts', import.meta.url), { type: 'module', name: 'prompts' });
    worker.onmessage = (event: MessageEvent<PromptResponse>) => {
      waiting.get(event.data.id)?.(event.data);
      waiting.delete(event.data.id);
    };
  }
  return worker;
}

export interface ParsedPrompts {
  set: PromptSet;
  preview: PromptPreview | null;
  previewError: string | null;
}

/**
 * Parses (and, given the model's tokenizer, previews) a prompt file in the
 * prompt worker, so a big file never freezes the page. Rejects with the
 * parser's message (file, line, what to do). Too-large files are refused
 * before their bytes are read.
 */
export async function parsePromptsInWorker(file: Blob & { name: string }, tokenizer: { json: string; contextLength: number } | null): Promise<ParsedPrompts> {
  checkPromptFileSize(file.name, file.size);
  const bytes = await file.arrayBuffer();
  const id = next++;
  const request: PromptRequest = { type: 'parse', id, name: file.name, bytes, ...(tokenizer ? { tokenizer } : {}) };
  const answer = await new Promise<PromptResponse>((resolve) => {
    waiting.set(id, resolve);
    ensure().postMessage(request, [bytes]);
  });
  if (answer.type === 'error') throw new Error(answer.message);
  return { set: answer.set, preview: answer.preview, previewError: answer.previewError };
}
