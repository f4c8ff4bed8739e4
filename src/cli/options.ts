import { parseArgs } from 'node:util';
import { UsageError } from './usage-error';

export type OptionSpec = Record<string, { type: 'string' | 'boolean'; help: string }>;
export type OptionValues = Record<string, string | boolean | undefined>;

/** Parses `--name value` options; unknown options are an error listing the allowed ones. */
export function parseOptions(verb: string, argv: string[], spec: OptionSpec): OptionValues {
  try {
    const { values } = parseArgs({
      args: argv,
      options: Object.fromEntries(Object.entries(spec).map(([name, { type }]) => [name, { type }])),
      strict: true,
      allowPositionals: false,
    });
    return values as OptionValues;
  } catch (error) {
    const allowed = Object.keys(spec).map((name) => `--${name}`).join(', ');
    throw new UsageError(`${verb}: ${(error as Error).message.split('\n')[0].replace(/\.+$/, '')}. Options: ${allowed}`);
  }
}

export function requiredString(verb: string, values: OptionValues, name: string): string {
  const value = values[name];
  if (typeof value !== 'string' || value === '') throw new UsageError(`${verb}: --${name} is required`);
  return value;
}

export function optionalString(values: OptionValues, name: string): string | undefined {
  const value = values[name];
  return typeof value === 'string' ? value : undefined;
}

/** A numeric option: integer or real, with a lower bound, or its default when absent. */
export function numberOption(
  verb: string,
  values: OptionValues,
  name: string,
  rule: { default?: number; min: number; integer?: boolean },
): number {
  const raw = values[name];
  if (raw === undefined) {
    if (rule.default === undefined) throw new UsageError(`${verb}: --${name} is required`);
    return rule.default;
  }
  const value = Number(raw);
  if (typeof raw !== 'string' || raw.trim() === '' || !Number.isFinite(value) || (rule.integer && !Number.isInteger(value)) || value < rule.min) {
    throw new UsageError(`${verb}: --${name} must be ${rule.integer ? 'an integer' : 'a number'} ≥ ${rule.min}, got "${String(raw)}"`);
  }
  return value;
}

/** An option restricted to a fixed set of words. */
export function choiceOption<T extends string>(verb: string, values: OptionValues, name: string, choices: readonly T[], fallback: T): T {
  const raw = values[name];
  if (raw === undefined) return fallback;
  if (typeof raw !== 'string' || !(choices as readonly string[]).includes(raw)) {
    throw new UsageError(`${verb}: --${name} is "${String(raw)}". Should be one of: ${choices.join(', ')}`);
  }
  return raw as T;
}

export function usageText(verb: string, summary: string, spec: OptionSpec): string {
  const lines = Object.entries(spec).map(([name, { type, help }]) => `  --${name}${type === 'string' ? ' VALUE' : ''}  ${help}`);
  return `${verb}: ${summary}\n${lines.join('\n')}`;
}
