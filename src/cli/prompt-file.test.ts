import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it, vi } from 'vitest';
import { readPromptFile } from './prompt-file';
import { UsageError } from './usage-error';

describe('--prompts files', () => {
  const dir = mkdtempSync(join(tmpdir(), 'cli-prompts-'));
  const file = (name: string, text: string) => {
    writeFileSync(join(dir, name), text);
    return join(dir, name);
  };

  it('reads every format, with seed + i for prompts without one', async () => {
    expect(await readPromptFile('collect', file('p.txt', 'a\n\nb\n'), 3)).toEqual([
      { prompt: 'a', seed: 3, line: 1 },
      { prompt: 'b', seed: 4, line: 3 },
    ]);
    expect(await readPromptFile('collect', file('p.csv', 'prompt,seed,negative_prompt\n"a, b",9,dark\nc,,\n'), 0)).toEqual([
      { prompt: 'a, b', seed: 9, negativePrompt: 'dark', line: 2 },
      { prompt: 'c', seed: 1, line: 3 },
    ]);
    expect((await readPromptFile('generate', file('p.jsonl', '{"prompt": "x", "seed": 4}\n"y"\n'), 0)).map((p) => p.seed)).toEqual([4, 1]);
  });

  it('turns a bad file into one usage error naming the verb, the file and the line; warnings go to stderr', async () => {
    const bad = file('bad.csv', 'text\nhello\n');
    await expect(readPromptFile('collect', bad, 0)).rejects.toThrow(new UsageError(`collect: ${bad}: line 1: no "prompt" column. Columns found: "text". The first row must name the columns, one of them "prompt" (optional: "seed", "negative_prompt"). A list without a header is a .txt file, one prompt per line`));
    await expect(readPromptFile('generate', file('p.docx', 'a'), 0)).rejects.toThrow(/^generate: .*p\.docx: its extension "\.docx" is not a prompt file type\. Should be one of: \.txt, \.csv/);
    await expect(readPromptFile('generate', join(dir, 'none.txt'), 0)).rejects.toThrow(`generate: prompt file not found: ${join(dir, 'none.txt')}`);
    await expect(readPromptFile('generate', dir, 0)).rejects.toThrow(`generate: prompt file ${dir} is not a file`);
    const write = vi.spyOn(process.stderr, 'write').mockImplementation(() => true);
    try {
      const extra = file('extra.csv', 'prompt,url\na,x\n');
      await readPromptFile('collect', extra, 0);
      expect(write).toHaveBeenCalledWith(`collect: warning: ${extra}: columns ignored: "url" (read are "prompt", "seed", "negative_prompt")\n`);
    } finally {
      write.mockRestore();
    }
  });
});
