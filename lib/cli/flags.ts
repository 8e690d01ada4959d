// SPDX-License-Identifier: MIT
/**
 * A command's flags as one table: parsing (node:util parseArgs), value checks and the usage text all
 * come from it, so a flag is added, documented and validated in one place. Defaults shown in the
 * usage are the library's own constants, never restated here.
 */
import { parseArgs } from 'node:util';

/** One flag of a command. */
export interface Flag {
  /** `--name`. */
  readonly name: string;
  /** A boolean switch, or a flag that takes a value. */
  readonly type: 'string' | 'boolean';
  /** The value's placeholder in the usage text (N, FILE, LIST…). */
  readonly arg?: string;
  /** The usage text (lines after the first are indented under it). */
  readonly help: string;
  readonly short?: string;
}

/** Parsed flags: a string (or true) per flag given, undefined otherwise. */
export type FlagValues = Record<string, string | boolean | undefined>;

/** Parses `argv` against the table; unknown flags and missing values throw parseArgs' TypeError. */
export function parseFlags(flags: readonly Flag[], argv: string[]): { values: FlagValues; positionals: string[] } {
  const options = Object.fromEntries(flags.map((f) => [f.name, { type: f.type, ...(f.short ? { short: f.short } : {}) }]));
  const { values, positionals } = parseArgs({ args: argv, allowPositionals: true, options });
  return { values: values as FlagValues, positionals };
}

/** The usage lines of a table: `  --name ARG` padded to a column, then the help text. */
export function flagUsage(flags: readonly Flag[]): string {
  const column = 23;
  return flags
    .filter((f) => f.name !== 'help')
    .map((f) => {
      const head = `  --${f.name}${f.arg ? ` ${f.arg}` : ''}`;
      const [first, ...rest] = f.help.split('\n');
      const lead = head.length < column - 1 ? head.padEnd(column) : `${head}\n${' '.repeat(column)}`;
      return [lead + first, ...rest.map((l) => ' '.repeat(column) + l)].join('\n');
    })
    .join('\n');
}

/** A flag's string value, or undefined. */
export function text(values: FlagValues, name: string): string | undefined {
  const v = values[name];
  return typeof v === 'string' ? v : undefined;
}

/** A flag's number (RangeError naming the flag for anything else), or undefined. */
export function numberFlag(
  values: FlagValues,
  name: string,
  rule: { integer?: boolean; min?: number; minExclusive?: boolean; max?: number } = {},
): number | undefined {
  const t = text(values, name);
  if (t === undefined) return undefined;
  const v = t.trim() === 'inf' || t.trim() === 'Infinity' ? Infinity : Number(t);
  const below = rule.min !== undefined && (v < rule.min || (rule.minExclusive === true && v === rule.min));
  const above = rule.max !== undefined && v > rule.max;
  if (t.trim() === '' || Number.isNaN(v) || (rule.integer && !Number.isInteger(v)) || below || above)
    throw new RangeError(
      `--${name} expects ${rule.integer ? 'an integer' : 'a number'}${rule.min !== undefined ? ` ${rule.minExclusive ? '>' : '>='} ${rule.min}` : ''}` +
        `${rule.max !== undefined ? ` and <= ${rule.max}` : ''}, got "${t}"`,
    );
  return v;
}

/** {@link numberFlag}, or the word 'auto' (for budgets the library can choose adaptively). */
export function numberOrAutoFlag(
  values: FlagValues,
  name: string,
  rule: { integer?: boolean; min?: number; minExclusive?: boolean; max?: number } = {},
): number | 'auto' | undefined {
  if (text(values, name)?.trim() === 'auto') return 'auto';
  try {
    return numberFlag(values, name, rule);
  } catch (err) {
    throw new RangeError(`${(err as Error).message.replace(/, got "/, ` or auto, got "`)}`, { cause: err });
  }
}

/** A flag's value among `choices` (RangeError naming the flag and the choices otherwise), or undefined. */
export function choiceFlag<T extends string>(values: FlagValues, name: string, choices: readonly T[]): T | undefined {
  const t = text(values, name);
  if (t === undefined) return undefined;
  if (!(choices as readonly string[]).includes(t)) throw new RangeError(`--${name} must be one of ${choices.join(', ')}, got "${t}"`);
  return t as T;
}
