/**
 * Typed reads of parsed JSON (a manifest, a config) with one message shape,
 * `<where>: <field> <problem>` ("manifest.json: unet.file is missing"), so
 * every error names the file, the field and, for enumerations, the allowed
 * values. Each read throws on the first bad field.
 */

export type JsonObject = Record<string, unknown>;

export interface NumberRules {
  integer?: boolean;
  positive?: boolean;
  nonNegative?: boolean;
}

export class JsonFields {
  /** `where` names the document in messages ("manifest.json", a URL, a folder). */
  constructor(readonly where: string) {}

  fail(field: string, problem: string): never {
    throw new Error(`${this.where}: ${field} ${problem}`);
  }

  object(v: unknown, field: string): JsonObject {
    if (v === undefined) this.fail(field, 'is missing');
    if (typeof v !== 'object' || v === null || Array.isArray(v)) this.fail(field, `must be an object, got ${JSON.stringify(v)}`);
    return v as JsonObject;
  }

  string(v: unknown, field: string): string {
    if (v === undefined) this.fail(field, 'is missing');
    if (typeof v !== 'string' || v === '') this.fail(field, `must be a non-empty string, got ${JSON.stringify(v)}`);
    return v;
  }

  number(v: unknown, field: string, { integer = false, positive = false, nonNegative = false }: NumberRules = {}): number {
    if (v === undefined) this.fail(field, 'is missing');
    if (typeof v !== 'number' || !Number.isFinite(v)) this.fail(field, `must be a number, got ${JSON.stringify(v)}`);
    if (integer && !Number.isInteger(v)) this.fail(field, `must be an integer, got ${v}`);
    if (positive && v <= 0) this.fail(field, `must be positive, got ${v}`);
    if (nonNegative && v < 0) this.fail(field, `must be ≥ 0, got ${v}`);
    return v;
  }

  boolean(v: unknown, field: string): boolean {
    if (typeof v !== 'boolean') this.fail(field, `must be true or false, got ${JSON.stringify(v)}`);
    return v;
  }

  array(v: unknown, field: string): unknown[] {
    if (v === undefined) this.fail(field, 'is missing');
    if (!Array.isArray(v)) this.fail(field, `must be an array, got ${JSON.stringify(v)}`);
    return v;
  }

  /** A string that must be one of `allowed`; the message lists them. */
  oneOf<T extends string>(v: unknown, field: string, allowed: readonly T[]): T {
    const s = this.string(v, field);
    if (!(allowed as readonly string[]).includes(s)) this.fail(field, `is "${s}"; should be one of: ${allowed.join(', ')}`);
    return s as T;
  }

  /** `read(v)` when the field is present, undefined when it is absent. */
  optional<T>(v: unknown, read: (v: unknown) => T): T | undefined {
    return v === undefined ? undefined : read(v);
  }
}
