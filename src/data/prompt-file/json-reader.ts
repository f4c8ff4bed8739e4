/**
 * A strict JSON (RFC 8259) reader that, unlike JSON.parse, says where it
 * failed in the same words in every browser (JSON.parse's messages and
 * positions differ between engines), and records the offset of each element
 * of the top-level array, so prompts keep their line numbers. Objects come
 * back with a null prototype (a "__proto__" key is data).
 */
import { describeChar } from './text-position';

/** A JSON syntax error at an offset of the text read. */
export class JsonSyntaxError extends Error {
  constructor(
    message: string,
    readonly offset: number,
  ) {
    super(message);
  }
}

export interface JsonDocument {
  value: unknown;
  /** Offsets of the top-level array's elements (empty when the value is not an array). */
  elementOffsets: number[];
}

/** The one value of `text`, with nothing but whitespace after it; throws JsonSyntaxError. */
export function readJson(text: string): JsonDocument {
  const reader = new JsonReader(text);
  reader.ws();
  if (reader.i >= text.length) reader.fail('no JSON value (the text is blank)');
  const value = reader.value(0);
  reader.ws();
  if (reader.i < text.length) reader.fail(`${describeChar(text[reader.i])} after the end of the JSON value`);
  return { value, elementOffsets: reader.elementOffsets };
}

/** Deep enough for any prompt file (which needs 2), shallow enough that no input overflows the stack. */
const MAX_JSON_DEPTH = 64;
const NUMBER = /-?(?:0|[1-9]\d*)(?:\.\d+)?(?:[eE][+-]?\d+)?/y;
const LITERALS = [['true', true], ['false', false], ['null', null]] as const;

/** How messages name a container, its items, and the bracket that closes it. */
const CONTAINERS = {
  array: { close: ']', name: 'an array', item: 'an array element' },
  object: { close: '}', name: 'an object', item: 'a field' },
} as const;

const endsInside = (kind: keyof typeof CONTAINERS) => `the text ends inside ${CONTAINERS[kind].name} (no closing "${CONTAINERS[kind].close}"): is the file cut short?`;

class JsonReader {
  i = 0;
  readonly elementOffsets: number[] = [];

  constructor(readonly text: string) {}

  fail(message: string, at = this.i): never {
    throw new JsonSyntaxError(message, at);
  }

  ws(): void {
    const t = this.text;
    while (this.i < t.length) {
      const c = t.charCodeAt(this.i);
      if (c !== 0x20 && c !== 0x09 && c !== 0x0a && c !== 0x0d) break;
      this.i++;
    }
  }

  value(depth: number): unknown {
    if (depth > MAX_JSON_DEPTH) this.fail(`nested more than ${MAX_JSON_DEPTH} deep`);
    const t = this.text;
    const c = t[this.i];
    if (c === '"') return this.string();
    if (c === '[') {
      const out: unknown[] = [];
      this.items('array', () => {
        if (depth === 0) this.elementOffsets.push(this.i);
        out.push(this.value(depth + 1));
      });
      return out;
    }
    if (c === '{') {
      const out: Record<string, unknown> = Object.create(null);
      this.items('object', () => {
        const k = this.text[this.i];
        if (k !== '"') this.fail(k === undefined ? endsInside('object') : `expected a field name in double quotes, found ${describeChar(k)}`);
        const key = this.string();
        this.ws();
        if (this.text[this.i] !== ':') this.fail(`expected ":" after the field name "${key}", found ${describeChar(this.text[this.i])}`);
        this.i++;
        this.ws();
        out[key] = this.value(depth + 1);
      });
      return out;
    }
    if (c === undefined) this.fail('the text ends where a value should be: is the file cut short?');
    for (const [word, value] of LITERALS) {
      if (t.startsWith(word, this.i)) {
        this.i += word.length;
        return value;
      }
    }
    NUMBER.lastIndex = this.i;
    const m = NUMBER.exec(t);
    if (m) {
      this.i += m[0].length;
      return Number(m[0]);
    }
    if (c === "'") this.fail('JSON strings are in double quotes ("), not single quotes');
    this.fail(`${describeChar(c)} where a value should be (a "string", number, object, array, true, false or null)`);
  }

  /** From an opening bracket past its closing one: `readItem` for each comma-separated item, a trailing comma refused. */
  items(kind: keyof typeof CONTAINERS, readItem: () => void): void {
    const { close, item } = CONTAINERS[kind];
    this.i++;
    this.ws();
    if (this.text[this.i] === close) {
      this.i++;
      return;
    }
    for (;;) {
      readItem();
      this.ws();
      const c = this.text[this.i];
      if (c === close) {
        this.i++;
        return;
      }
      if (c !== ',') this.fail(c === undefined ? endsInside(kind) : `expected "," or "${close}" after ${item}, found ${describeChar(c)}`);
      const comma = this.i;
      this.i++;
      this.ws();
      if (this.text[this.i] === close) this.fail(`a trailing comma before "${close}": JSON allows none, remove it`, comma);
    }
  }

  string(): string {
    const t = this.text;
    const open = this.i;
    let escaped = false;
    let j = open + 1;
    for (;;) {
      if (j >= t.length) this.fail('this string is never closed (no ending ")', open);
      const c = t.charCodeAt(j);
      if (c === 0x22) break;
      if (c < 0x20) this.fail(`${describeChar(t[j])} inside a string: write it as an escape (\\n for a line end, \\t for a tab)`, j);
      if (c === 0x5c) {
        escaped = true;
        const e = t[j + 1];
        if (e === 'u') {
          if (!/^[0-9a-fA-F]{4}$/.test(t.slice(j + 2, j + 6))) this.fail('"\\u" must be followed by four hex digits', j);
          j += 6;
          continue;
        }
        if (e === undefined || !'"\\/bfnrt'.includes(e)) this.fail(`"\\${e ?? ''}" is not a JSON escape (allowed: \\" \\\\ \\/ \\b \\f \\n \\r \\t \\uXXXX)`, j);
        j += 2;
        continue;
      }
      j++;
    }
    this.i = j + 1;
    // Validated above, so JSON.parse decodes the escapes and cannot throw.
    return escaped ? (JSON.parse(t.slice(open, j + 1)) as string) : t.slice(open + 1, j);
  }
}
