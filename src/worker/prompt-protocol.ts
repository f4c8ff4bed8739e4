/**
 * Messages between the page and the prompt worker, which reads a dropped
 * prompt file off the main thread: parse (data/prompt-file/) and, given the
 * model's tokenizer, preview (data/prompt-preview.ts). The page checks
 * `File.size` with `checkPromptFileSize` before reading the bytes, then posts
 * them (transfer the ArrayBuffer). Every request carries an id; its one
 * answer names it.
 */
import type { PromptSet } from '../data/prompt-file';
import type { PromptPreview } from '../data/prompt-preview';

/**
 * The model's tokenizer for the preview: its tokenizer.json by URL (absolute:
 * a relative one would resolve against the worker's script) or as text (a
 * dropped local model). The worker keeps the last one it built.
 */
export type PreviewTokenizerSpec = ({ url: string } | { json: string }) & {
  /** Ids per prompt of the text encoder (manifest textEncoder.contextLength; default 77, CLIP's and the toy model's). */
  contextLength?: number;
};

export interface PromptParseRequest {
  type: 'parse';
  id: number;
  /** The file's name: its extension picks the format, and messages start with it. */
  name: string;
  bytes: ArrayBuffer | Uint8Array;
  /** Seed of prompt 0 when the file gives none; prompt i gets baseSeed + i (default 0). */
  baseSeed?: number;
  /** Without it the answer has no preview. */
  tokenizer?: PreviewTokenizerSpec;
}

export type PromptRequest = PromptParseRequest;

export type PromptResponse =
  /** The set; its preview when a tokenizer was given and loads (else `previewError` says why: the set is good either way). */
  | { type: 'parsed'; id: number; set: PromptSet; preview: PromptPreview | null; previewError: string | null; seconds: number }
  /** The file cannot be read: `message` names the file, the line and what to do; keep the previous set. */
  | { type: 'error'; id: number; message: string; line: number | null; column: number | null };
