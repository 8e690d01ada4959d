// SPDX-License-Identifier: MIT
/**
 * A command's flags as one table: parsing (node:util parseArgs), value checks and the usage text all
 * come from it, so a flag is added, documented and validated in one place. Defaults shown in the
 * usage are the library's own constants, never restated here.
 */
import { parseArgs } from 'node:util';
import { nearest } from './suggest';

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

/**
 * Parses `argv` against the table. An unknown flag throws a RangeError that names it and suggests
 * the command's nearest flag ({@link nearest}); a missing value throws parseArgs' own TypeError.
 *
 * @param command - the command's name for messages, e.g. 'explain' (default: none).
 */
export function parseFlags(flags: readonly Flag[], argv: string[], command?: string): { values: FlagValues; positionals: string[] } {
  const options = optionsOf(flags);
  try {
    const { values, positionals } = parseArgs({ args: argv, allowPositionals: true, options });
    return { values: values as FlagValues, positionals };
  } catch (err) {
    if ((err as { code?: string }).code !== 'ERR_PARSE_ARGS_UNKNOWN_OPTION') throw err;
    throw unknownFlagError(flags, argv, command, err as Error);
  }
}

/** The table in parseArgs' form. */
function optionsOf(flags: readonly Flag[]) {
  return Object.fromEntries(flags.map((f) => [f.name, { type: f.type, ...(f.short ? { short: f.short } : {}) }]));
}

/** The error for the first flag of `argv` the table lacks: its name, the nearest flag, where help is. */
function unknownFlagError(flags: readonly Flag[], argv: string[], command: string | undefined, cause: Error): RangeError {
  const options = optionsOf(flags);
  // Lenient parse, to read which option token parseArgs refused (the raw token keeps its dashes).
  const { tokens } = parseArgs({ args: argv, allowPositionals: true, options, strict: false, tokens: true });
  const token = tokens.find((t) => t.kind === 'option' && !flags.some((f) => f.name === t.name || f.short === t.name));
  const given = token?.kind === 'option' ? token.rawName : undefined;
  if (given === undefined) return new RangeError(cause.message, { cause });
  const where = command ? `limeshap ${command}` : 'limeshap';
  const guess = nearest(
    given.replace(/^-+/, ''),
    flags.map((f) => f.name),
  );
  return new RangeError(
    `unknown flag ${given} for ${where}${guess ? `; did you mean --${guess}?` : ''}
(${where} --help lists its flags)`,
    { cause },
  );
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
