import { describe, expect, it } from 'vitest';
import { checkPromptFileSize, firstInvalidUtf8, MAX_SEED, parsePromptFile, PromptFileError, type PromptFileOptions, type PromptSet } from '.';

const utf8 = (text: string) => new TextEncoder().encode(text);
const parse = (name: string, text: string, options?: PromptFileOptions): PromptSet => parsePromptFile(name, utf8(text), options);

/** The error parsing throws; fails the test when it parses. */
function errorOf(name: string, input: string | Uint8Array, options?: PromptFileOptions): PromptFileError {
  try {
    parsePromptFile(name, typeof input === 'string' ? utf8(input) : input, options);
  } catch (error) {
    expect(error).toBeInstanceOf(PromptFileError);
    return error as PromptFileError;
  }
  throw new Error(`${name} parsed, but an error was expected`);
}

/** [prompt, seed, line, negativePrompt] of each prompt, to compare in one line. */
const rows = (set: PromptSet) => set.prompts.map((p) => [p.prompt, p.seed, p.line, p.negativePrompt]);

describe('.txt', () => {
  it('reads one prompt per line, skips blank lines, gives seeds baseSeed + i by prompt (not line)', () => {
    const set = parse('p.txt', '  a red circle \n\n\ta blue square\n   \nA green cross', { baseSeed: 10 });
    expect(set.format).toBe('txt');
    expect(rows(set)).toEqual([
      ['a red circle', 10, 1, undefined],
      ['a blue square', 11, 3, undefined],
      ['A green cross', 12, 5, undefined],
    ]);
    expect(set.warnings).toEqual([]);
    expect(set.prompts[0]).not.toHaveProperty('negativePrompt');
  });

  it('drops a UTF-8 BOM and reads CRLF and lone CR line ends', () => {
    const set = parse('p.TXT', '\uFEFFfirst\r\nsecond\r\rthird\rfourth\n');
    expect(rows(set)).toEqual([
      ['first', 0, 1, undefined],
      ['second', 1, 2, undefined],
      ['third', 2, 4, undefined],
      ['fourth', 3, 5, undefined],
    ]);
  });

  it('warns when the first line looks like a CSV header', () => {
    const set = parse('p.txt', 'prompt,seed\na cat,3\n');
    expect(set.prompts.map((p) => p.prompt)).toEqual(['prompt,seed', 'a cat,3']);
    expect(set.warnings).toEqual([expect.stringMatching(/^line 1 "prompt,seed" looks like a CSV header.*\.csv/)]);
  });
});

describe('.csv / .tsv', () => {
  it('reads RFC 4180 quoting: commas, newlines and doubled quotes inside quoted fields; lines follow the records', () => {
    const text = [
      'Prompt,SEED,negative_prompt',
      '"a cat, oil painting",7,blurry',
      '"a ""quoted"" word",,',
      '"two',
      'lines",3,"low quality, jpeg"',
      'plain prompt,,',
    ].join('\n');
    const set = parse('s.csv', text, { baseSeed: 100 });
    expect(set.format).toBe('csv');
    expect(rows(set)).toEqual([
      ['a cat, oil painting', 7, 2, 'blurry'],
      ['a "quoted" word', 101, 3, undefined],
      ['two\nlines', 3, 4, 'low quality, jpeg'],
      ['plain prompt', 103, 6, undefined],
    ]);
    expect(set.warnings).toEqual([]);
  });

  it('reads a BOM and CRLF (Excel\'s "CSV UTF-8"), a quoted CRLF kept as one line end, and a quote inside an unquoted field', () => {
    const bytes = new Uint8Array([0xef, 0xbb, 0xbf, ...utf8('prompt,seed\r\n"café\r\nnoir",1\r\na 12" record,2\r\n')]);
    const set = parsePromptFile('excel.csv', bytes);
    expect(rows(set)).toEqual([
      ['café\nnoir', 1, 2, undefined],
      ['a 12" record', 2, 4, undefined],
    ]);
  });

  it('reads TSV with a quoted tab, ignores unknown columns with a warning, skips empty prompts with a warning', () => {
    const text = 'id\tprompt\turl\n1\ta red circle\thttp://x\n2\t"a\ttab"\t\n3\t\t\n4\t  \t\n5\tlast\t\n';
    const set = parse('s.tsv', text);
    expect(set.format).toBe('tsv');
    expect(rows(set)).toEqual([
      ['a red circle', 0, 2, undefined],
      ['a\ttab', 1, 3, undefined],
      ['last', 2, 6, undefined],
    ]);
    expect(set.warnings).toEqual(['columns ignored: "id", "url" (read are "prompt", "seed", "negative_prompt")', '2 empty prompts skipped (lines 4, 5)']);
  });

  it('accepts trailing empty fields and a seed written 12.0 (pandas), and blank lines between rows', () => {
    const set = parse('s.csv', 'prompt,seed\n\na,12.0,,\n\nb,4294967295\n');
    expect(rows(set)).toEqual([
      ['a', 12, 3, undefined],
      ['b', MAX_SEED, 5, undefined],
    ]);
  });

  it('refuses a CSV without a prompt column, listing the columns found', () => {
    const e = errorOf('s.csv', '\n\ntext,seed,Caption\nhello,1,x\n');
    expect(e.message).toBe('s.csv: line 3: no "prompt" column. Columns found: "text", "seed", "Caption". The first row must name the columns, one of them "prompt" (optional: "seed", "negative_prompt")');
    expect(e.line).toBe(3);
    expect(errorOf('s.csv', 'a red circle\na blue square\n').message).toMatch(/Columns found: "a red circle"\. .*A list without a header is a \.txt file/);
    expect(errorOf('s.csv', 'prompt;seed\na;1\n').message).toMatch(/Columns found: "prompt;seed"\. The header is split by semicolons/);
    expect(errorOf('s.csv', 'prompt\tseed\na\t1\n').message).toMatch(/split by tabs: name the file \.tsv/);
    expect(errorOf('s.csv', 'prompt,seed,PROMPT\na,1,b\n').message).toBe('s.csv: line 1: the header names the "prompt" column twice (columns 1 and 3); keep one');
  });

  it('refuses a row with more fields than columns: an unquoted comma in a prompt', () => {
    const e = errorOf('s.csv', 'prompt\nfine\na cat, oil painting, 4k\n');
    expect(e.message).toBe('s.csv: line 3: 3 fields, but the header names 1 column (prompt). A prompt that contains a comma must be in double quotes, e.g. "a cat, oil painting"');
    expect(e.line).toBe(3);
  });

  it('refuses an unclosed quote (at the line it opens) and text after a closing quote (at its column)', () => {
    const open = errorOf('s.csv', 'prompt,seed\nok,1\n"never closed,2\nmore,3\n');
    expect(open.message).toMatch(/^s\.csv: line 3, column 1: this quoted field is never closed/);
    expect([open.line, open.column]).toEqual([3, 1]);
    const after = errorOf('s.csv', 'prompt,seed\n"a "b" c",1\n');
    expect(after.message).toMatch(/^s\.csv: line 2, column 5: "b" after the closing quote of a quoted field: a quote inside a quoted field is written twice \(""\)/);
    expect([after.line, after.column]).toEqual([2, 5]);
  });

  it('refuses a non-integer, negative or too large seed, naming the line and the field', () => {
    expect(errorOf('s.csv', 'prompt,seed\na,1\nb,1.5\n').message).toBe(
      `s.csv: line 3, field "seed": the seed "1.5" is not an integer in [0, ${MAX_SEED}]: write a whole number, or leave it out to use the base seed + the prompt's index`,
    );
    expect(errorOf('s.csv', 'prompt,seed\na,-3\n').message).toMatch(/^s\.csv: line 2, field "seed": the seed "-3" is not an integer/);
    expect(errorOf('s.csv', 'prompt,seed\na,abc\n').line).toBe(2);
    expect(errorOf('s.csv', `prompt,seed\na,${MAX_SEED + 1}\n`).message).toMatch(/the seed "4294967296" is not an integer in \[0, 4294967295\]/);
  });

  it('refuses a header-only file: no prompts', () => {
    expect(errorOf('s.csv', 'prompt,seed\n').message).toBe('s.csv has no prompts: after the header row, write one prompt per row in the "prompt" column');
  });
});

describe('.json / .jsonl', () => {
  it('reads an array of strings, each with the line its element starts on', () => {
    const set = parse('p.json', '[\n  "a red circle",\n\n  "a \\"blue\\" square \\u00e9",\n  "  "\n]', { baseSeed: 5 });
    expect(set.format).toBe('json');
    expect(rows(set)).toEqual([
      ['a red circle', 5, 2, undefined],
      ['a "blue" square é', 6, 4, undefined],
    ]);
    expect(set.warnings).toEqual(['1 empty prompt skipped (line 5)']);
  });

  it('reads an array of objects with prompt, seed, negative_prompt (any case); other fields ignored with a warning', () => {
    const text = '[{"prompt": "a", "seed": 42, "negative_prompt": "blurry"},\n {"Prompt": "b", "id": 9},\n {"prompt": "c", "seed": null, "negativePrompt": null, "url": "x"},\n "d"]';
    const set = parse('p.json', text);
    expect(rows(set)).toEqual([
      ['a', 42, 1, 'blurry'],
      ['b', 1, 2, undefined],
      ['c', 2, 3, undefined],
      ['d', 3, 4, undefined],
    ]);
    expect(set.warnings).toEqual(['fields ignored: "id", "url" (read are "prompt", "seed", "negative_prompt")']);
  });

  it('refuses bad JSON with its line and column', () => {
    const missingComma = errorOf('p.json', '[\n  "a",\n  "b"\n  "c"\n]');
    expect(missingComma.message).toBe('p.json: line 4, column 3: invalid JSON: expected "," or "]" after an array element, found a quote (")');
    expect([missingComma.line, missingComma.column]).toEqual([4, 3]);
    expect(errorOf('p.json', '["a",\n "b",\n]').message).toBe('p.json: line 2, column 5: invalid JSON: a trailing comma before "]": JSON allows none, remove it');
    expect(errorOf('p.json', "[\n'a']").message).toMatch(/^p\.json: line 2, column 1: invalid JSON: JSON strings are in double quotes/);
    expect(errorOf('p.json', '["a", "b').message).toMatch(/^p\.json: line 1, column 7: invalid JSON: this string is never closed/);
    expect(errorOf('p.json', '["a"]\n["b"]').message).toMatch(/^p\.json: line 2, column 1: .*after the end of the JSON value\. One value per line is JSON Lines: name the file \.jsonl$/);
    expect(errorOf('p.json', '["a\nb"]').message).toMatch(/^p\.json: line 1, column 4: invalid JSON: a line end inside a string: write it as an escape/);
  });

  it('refuses a top level that is not an array, and elements that are not prompts', () => {
    expect(errorOf('p.json', '{"prompts": ["a"]}').message).toBe('p.json: line 1: the file is an object with the fields "prompts"; a .json prompt file is an array: ["a red circle", …] or [{"prompt": "a red circle", "seed": 3}, …]');
    const number = errorOf('p.json', '[\n"a",\n3]');
    expect(number.message).toMatch(/^p\.json: element 2 \(line 3\) is a number \(3\): each prompt must be a string or an object/);
    expect(number.line).toBe(3);
    expect(errorOf('p.json', '["a", {"text": "b", "seed": 1}]').message).toBe(
      'p.json: element 2 (line 1) has no "prompt" field (its fields: "text", "seed"); each object needs one, like {"prompt": "a red circle"}',
    );
    expect(errorOf('p.json', '[{"prompt": 5}]').message).toMatch(/"prompt" is a number \(5\); it must be a string/);
    expect(errorOf('p.json', '[]').message).toBe('p.json has no prompts: the array should list prompt strings or {"prompt": …} objects');
  });

  it('refuses a non-integer or negative seed in JSON, naming the element and line', () => {
    expect(errorOf('p.json', '[{"prompt": "a"},\n{"prompt": "b", "seed": 2.5}]').message).toBe(
      `p.json: element 2 (line 2), field "seed": the seed 2.5 is not an integer in [0, ${MAX_SEED}]: write a whole number, or leave it out to use the base seed + the prompt's index`,
    );
    expect(errorOf('p.json', '[{"prompt": "a", "seed": -1}]').message).toMatch(/element 1 \(line 1\), field "seed": the seed -1 is not/);
    expect(errorOf('p.json', '[{"prompt": "a", "seed": true}]').message).toMatch(/the seed true is not/);
    // A digit string is a seed (pandas writes some columns as strings).
    expect(parse('p.json', '[{"prompt": "a", "seed": "17"}]').prompts[0].seed).toBe(17);
  });

  it('reads JSON Lines: strings and objects, blank lines skipped, lines kept', () => {
    const set = parse('p.jsonl', '"a red circle"\r\n\r\n{"prompt": "b", "seed": 9, "negative_prompt": "dark"}\r\n{"prompt": "c"}\r\n', { baseSeed: 1 });
    expect(set.format).toBe('jsonl');
    expect(rows(set)).toEqual([
      ['a red circle', 1, 1, undefined],
      ['b', 9, 3, 'dark'],
      ['c', 3, 4, undefined],
    ]);
  });

  it('refuses a bad JSON Lines line with its line and column, and a line that is an array', () => {
    const bad = errorOf('p.jsonl', '{"prompt": "a"}\n{"prompt": "b"}\n{"prompt": "c" "seed": 1}\n{"prompt": "d"}\n');
    expect(bad.message).toBe('p.jsonl: line 3, column 16: invalid JSON: expected "," or "}" after a field, found a quote ("). Each line of a .jsonl file is one complete JSON string or object');
    expect([bad.line, bad.column]).toEqual([3, 16]);
    expect(errorOf('p.jsonl', '"a"\n["b", "c"]\n').message).toMatch(/^p\.jsonl: line 2 is an array: each line of a \.jsonl file is one prompt/);
    expect(errorOf('p.jsonl', '[\n"a",\n"b"\n]').message).toMatch(/^p\.jsonl: line 1, column 2: .*A file that is one JSON array is \.json: rename it/);
    expect(errorOf('p.jsonl', '"a"\n{"prompt": "b", "seed": -2}\n').message).toMatch(/^p\.jsonl: line 2, field "seed": the seed -2/);
  });
});

describe('bad files', () => {
  it('refuses an empty file and a blank one', () => {
    const empty = errorOf('p.txt', new Uint8Array(0));
    expect(empty.message).toBe('p.txt is empty (0 bytes): write one prompt per line');
    expect(errorOf('p.jsonl', new Uint8Array(0)).message).toBe('p.jsonl is empty (0 bytes): write one prompt string or {"prompt": …} object per line');
    expect(errorOf('p.txt', ' \n\r\n\t\n').message).toBe('p.txt has no prompts: write one prompt per line');
  });

  it('refuses a binary file: a NUL byte (with its line), or mostly control bytes', () => {
    const png = new Uint8Array([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a, 0x00, 0x00, 0x00, 0x0d, 0x49, 0x48, 0x44, 0x52]);
    const e = errorOf('image.txt', png);
    expect(e.message).toBe('image.txt looks like a binary file, not text: a NUL byte at line 3, column 1. Prompt files are UTF-8 text (.txt, .csv, .tsv, .json, .jsonl)');
    expect([e.line, e.column]).toEqual([3, 1]);
    // No NUL, but every other byte a control character.
    const controls = new Uint8Array(1000).map((_, i) => (i % 2 ? 0x01 + (i % 7) : 0x41));
    expect(errorOf('p.csv', controls).message).toBe('p.csv looks like a binary file, not text: 50% of its first 1000 bytes are control characters. Prompt files are UTF-8 text (.txt, .csv, .tsv, .json, .jsonl)');
    // A form feed and tabs are text.
    expect(parsePromptFile('p.txt', utf8('a\tb\fc\n')).prompts[0].prompt).toBe('a\tb\fc');
  });

  it('refuses UTF-16 (Excel "Unicode Text") with what to save instead', () => {
    const utf16 = new Uint8Array([0xff, 0xfe, 0x70, 0x00, 0x72, 0x00]);
    expect(errorOf('p.txt', utf16).message).toMatch(/^p\.txt is UTF-16 text .*save it as UTF-8/);
  });

  it('refuses invalid UTF-8 at the line and column of the first bad byte', () => {
    // Latin-1 "café" on line 3, after a valid multi-byte line.
    const bytes = new Uint8Array([...utf8('prompt\nnaïve art\n'), ...[0x63, 0x61, 0x66, 0xe9], ...utf8(' au lait\n')]);
    const e = errorOf('p.csv', bytes);
    expect(e.message).toBe('p.csv: line 3, column 4: byte 0xE9 is not valid UTF-8. Save the file as UTF-8 (it may be Latin-1 or Windows-1252; Excel: "CSV UTF-8")');
    expect([e.line, e.column]).toEqual([3, 4]);
    // A sequence cut at the end of the file, and an overlong encoding of "/".
    expect(errorOf('p.txt', new Uint8Array([0x61, 0x0a, 0x62, 0xe2, 0x82])).message).toMatch(/^p\.txt: line 2, column 2: byte 0xE2 /);
    expect(errorOf('p.txt', new Uint8Array([0xc0, 0xaf])).message).toMatch(/^p\.txt: line 1, column 1: byte 0xC0 /);
  });

  it('refuses a 50 MB file at once, before decoding it', () => {
    const big = new Uint8Array(50_000_000).fill(0x61);
    const started = performance.now();
    const e = errorOf('big.txt', big);
    expect(performance.now() - started).toBeLessThan(50);
    expect(e.message).toBe('big.txt is 50.0 MB, over the 32 MiB limit for a prompt file: use a smaller set (drop unused columns, or split the file)');
    expect(() => checkPromptFileSize('big.csv', 50_000_000)).toThrow(/^big\.csv is 50\.0 MB, over the 32 MiB limit/);
    expect(() => checkPromptFileSize('ok.csv', 32 * 2 ** 20)).not.toThrow();
    expect(errorOf('p.txt', utf8('abcdef'), { maxBytes: 5 }).message).toMatch(/^p\.txt is 6 bytes, over the 5 bytes limit/);
  });

  it('refuses an unknown extension, listing the supported ones', () => {
    expect(errorOf('prompts.docx', 'a').message).toBe('prompts.docx: its extension ".docx" is not a prompt file type. Should be one of: .txt, .csv, .tsv, .json, .jsonl (rename the file if it is one of these)');
    expect(errorOf('/data/prompts', 'a').message).toMatch(/^\/data\/prompts: it has no extension\. Should be one of: \.txt, /);
    expect(errorOf('.csv', 'a').message).toMatch(/it has no extension/);
    expect(parse('dir.v2/P.JSONL', '"a"').format).toBe('jsonl');
  });

  it('refuses a default seed past 2³² − 1 and a bad base seed', () => {
    expect(parse('p.txt', 'a\nb', { baseSeed: MAX_SEED - 1 }).prompts.map((p) => p.seed)).toEqual([MAX_SEED - 1, MAX_SEED]);
    expect(errorOf('p.txt', 'a\nb\nc', { baseSeed: MAX_SEED - 1 }).message).toBe(`p.txt: line 3: the default seed ${MAX_SEED - 1} + 2 = ${MAX_SEED + 1} is over ${MAX_SEED}: choose a smaller base seed`);
    expect(() => parse('p.txt', 'a', { baseSeed: -1 })).toThrow(RangeError);
  });
});

describe('firstInvalidUtf8', () => {
  /** Seeded xorshift32, so the byte strings are the same every run. */
  function random(seed: number): () => number {
    let s = seed >>> 0 || 1;
    return () => {
      s ^= s << 13;
      s ^= s >>> 17;
      s ^= s << 5;
      return (s >>> 0) / 2 ** 32;
    };
  }

  it("agrees with TextDecoder's fatal mode on random near-UTF-8 bytes", () => {
    const next = random(1234);
    // Bytes drawn mostly from valid lead/continuation ranges so that valid and invalid strings both occur often.
    const pool = [0x41, 0x0a, 0x7f, 0x80, 0x8f, 0x90, 0x9f, 0xa0, 0xbf, 0xc0, 0xc2, 0xdf, 0xe0, 0xe1, 0xed, 0xef, 0xf0, 0xf1, 0xf4, 0xf5, 0xff];
    let valid = 0;
    for (let trial = 0; trial < 4000; trial++) {
      const bytes = new Uint8Array(1 + Math.floor(next() * 8)).map(() => pool[Math.floor(next() * pool.length)]);
      const offset = firstInvalidUtf8(bytes);
      let decodes = true;
      try {
        new TextDecoder('utf-8', { fatal: true }).decode(bytes);
      } catch {
        decodes = false;
      }
      expect(offset === -1, `bytes ${Array.from(bytes, (b) => b.toString(16))}`).toBe(decodes);
      if (decodes) {
        valid++;
        continue;
      }
      // The bytes before the offset are valid; the offset begins the first bad sequence, so the
      // non-fatal decoder's first U+FFFD comes right after the valid prefix's characters.
      const prefix = new TextDecoder('utf-8', { fatal: true }).decode(bytes.subarray(0, offset));
      expect(new TextDecoder().decode(bytes).indexOf('\uFFFD')).toBe(prefix.length);
    }
    expect(valid).toBeGreaterThan(100);
  });
});
