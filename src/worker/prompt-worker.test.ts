import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import type { PromptResponse } from './prompt-protocol';
import { answerPromptRequest } from './prompt-worker';

const toyJson = readFileSync(join(__dirname, '..', '..', 'public', 'models', 'toy', 'tokenizer.json'), 'utf8');
const utf8 = (text: string) => new TextEncoder().encode(text);

function parsed(r: PromptResponse): Extract<PromptResponse, { type: 'parsed' }> {
  if (r.type !== 'parsed') throw new Error(`expected a parse result, got: ${r.message}`);
  return r;
}

describe('the prompt worker answer', () => {
  it('parses transferred bytes and previews them with a tokenizer given as text', async () => {
    const bytes = utf8('prompt,seed\na red circle,5\na zebra,\n').buffer;
    const r = parsed(await answerPromptRequest({ type: 'parse', id: 7, name: 'p.csv', bytes, baseSeed: 10, tokenizer: { json: toyJson } }));
    expect(r.id).toBe(7);
    expect(r.set.prompts).toEqual([
      { prompt: 'a red circle', seed: 5, line: 2 },
      { prompt: 'a zebra', seed: 11, line: 3 },
    ]);
    expect(r.set.format).toBe('csv');
    expect(r.preview?.tokens.perPrompt).toEqual([5, 4]);
    expect(r.preview?.unknownWords).toEqual([{ word: 'zebra', count: 1, lines: [3] }]);
    expect(r.previewError).toBeNull();
  });

  it('reads a tokenizer by URL, and still answers the set when the tokenizer fails', async () => {
    const url = `data:application/json,${encodeURIComponent(toyJson)}`;
    const ok = parsed(await answerPromptRequest({ type: 'parse', id: 1, name: 'p.txt', bytes: utf8('a red circle'), tokenizer: { url, contextLength: 4 } }));
    expect(ok.preview?.tokens.truncated).toEqual([{ index: 0, line: 1, field: 'prompt', tokens: 5 }]);
    const bad = parsed(await answerPromptRequest({ type: 'parse', id: 2, name: 'p.txt', bytes: utf8('a red circle'), tokenizer: { json: '{"vocab": {}}' } }));
    expect(bad.set.prompts.map((p) => p.prompt)).toEqual(['a red circle']);
    expect(bad.preview).toBeNull();
    expect(bad.previewError).toMatch(/^no token preview: tokenizer\.json has no "model" section/);
    expect(parsed(await answerPromptRequest({ type: 'parse', id: 3, name: 'p.txt', bytes: utf8('a') })).preview).toBeNull();
  });

  it('answers a bad file with its message, line and column', async () => {
    const r = await answerPromptRequest({ type: 'parse', id: 9, name: 'p.jsonl', bytes: utf8('"a"\n{"prompt": }\n') });
    expect(r).toEqual({ type: 'error', id: 9, message: expect.stringMatching(/^p\.jsonl: line 2, column 12: invalid JSON: /), line: 2, column: 12 });
    const big = await answerPromptRequest({ type: 'parse', id: 10, name: 'big.txt', bytes: new Uint8Array(50_000_000) });
    expect(big).toMatchObject({ type: 'error', id: 10, line: null, message: expect.stringMatching(/^big\.txt is 50\.0 MB, over the 32 MiB limit/) });
  });
});
