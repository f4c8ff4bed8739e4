/// <reference lib="webworker" />
/**
 * The prompt worker: parses a dropped prompt file and previews it with the
 * model's tokenizer, so a large file never freezes the page. Stateless but
 * for the last tokenizer built (SD 1.5's CLIP tokenizer.json is 3.6 MB of
 * JSON; building it once per model, not per file).
 */
import { parsePromptFile, PromptFileError } from '../data/prompt-file';
import { previewPrompts } from '../data/prompt-preview';
import { loadTokenizer, type PromptTokenizer } from '../diffusion/tokenizer';
import type { PreviewTokenizerSpec, PromptRequest, PromptResponse } from './prompt-protocol';

/** CLIP's context, which the toy model shares. */
const DEFAULT_CONTEXT = 77;

let tokenizerCache: { key: string; tokenizer: Promise<PromptTokenizer> } | null = null;

function tokenizerFor(spec: PreviewTokenizerSpec): Promise<PromptTokenizer> {
  const contextLength = spec.contextLength ?? DEFAULT_CONTEXT;
  const key = `${contextLength} ${'url' in spec ? `url ${spec.url}` : `json ${spec.json}`}`;
  if (tokenizerCache?.key !== key) {
    const json = 'url' in spec ? fetchText(spec.url) : Promise.resolve(spec.json);
    // The pad id only shapes encode()'s padding, which the preview never calls.
    tokenizerCache = { key, tokenizer: json.then((text) => loadTokenizer(text, { contextLength, padTokenId: 0 })) };
  }
  return tokenizerCache.tokenizer;
}

async function fetchText(url: string): Promise<string> {
  const response = await fetch(url);
  if (!response.ok) throw new Error(`tokenizer ${url}: HTTP ${response.status}`);
  return response.text();
}

/** The one answer to a request; exported so tests run it without a worker. Never throws. */
export async function answerPromptRequest(request: PromptRequest): Promise<PromptResponse> {
  const started = performance.now();
  const { id } = request;
  try {
    const bytes = request.bytes instanceof Uint8Array ? request.bytes : new Uint8Array(request.bytes);
    const set = parsePromptFile(request.name, bytes, { baseSeed: request.baseSeed });
    let preview = null;
    let previewError = null;
    if (request.tokenizer) {
      try {
        preview = previewPrompts(set.prompts, await tokenizerFor(request.tokenizer));
      } catch (error) {
        tokenizerCache = null;
        previewError = `no token preview: ${error instanceof Error ? error.message : String(error)}`;
      }
    }
    return { type: 'parsed', id, set, preview, previewError, seconds: (performance.now() - started) / 1000 };
  } catch (error) {
    if (error instanceof PromptFileError) return { type: 'error', id, message: error.message, line: error.line, column: error.column };
    return { type: 'error', id, message: `${request.name}: ${error instanceof Error ? error.message : String(error)}`, line: null, column: null };
  }
}

// Only inside a worker: in Node (tests) this module just exports answerPromptRequest.
if (typeof WorkerGlobalScope !== 'undefined' && self instanceof WorkerGlobalScope) {
  const scope = self as unknown as DedicatedWorkerGlobalScope;
  scope.onmessage = async (event: MessageEvent<PromptRequest>) => scope.postMessage(await answerPromptRequest(event.data));
}
