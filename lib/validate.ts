// SPDX-License-Identifier: MIT
/**
 * Argument checks shared by every public function. One message shape everywhere:
 * "Expected <what> for <name> but received <value>". A wrong type is a TypeError; a value of the
 * right type outside its range (NaN, a fraction where an integer is needed, a negative size) is a
 * RangeError.
 */

/** A short, safe rendering of a received value for error messages. */
export function describe(value: unknown): string {
  if (typeof value === 'string') return JSON.stringify(value.length > 80 ? `${value.slice(0, 77)}...` : value);
  if (typeof value === 'number' || typeof value === 'boolean' || typeof value === 'bigint') return `${String(value)} (${typeof value})`;
  if (value === null || value === undefined) return String(value);
  if (ArrayBuffer.isView(value))
    return `${value.constructor.name}(${(value as unknown as { length?: number }).length ?? value.byteLength})`;
  if (Array.isArray(value)) return `array(${value.length})`;
  if (typeof value === 'function') return 'a function';
  return `an object with keys [${Object.keys(value as object)
    .slice(0, 6)
    .join(', ')}]`;
}

export function typeError(name: string, expected: string, value: unknown): TypeError {
  return new TypeError(`Expected ${expected} for ${name} but received ${describe(value)}`);
}

export function rangeError(name: string, expected: string, value: unknown): RangeError {
  return new RangeError(`Expected ${expected} for ${name} but received ${describe(value)}`);
}

export interface NumberRule {
  /** Smallest allowed value (inclusive unless `minExclusive`). */
  min?: number;
  minExclusive?: boolean;
  /** Largest allowed value (inclusive unless `maxExclusive`). */
  max?: number;
  maxExclusive?: boolean;
  integer?: boolean;
  /** Accept +Infinity (for limits such as "never cut"). NaN is never accepted. */
  allowInfinity?: boolean;
}

function ruleText(rule: NumberRule): string {
  const kind = rule.integer ? 'an integer' : 'a number';
  const lo = rule.min === undefined ? undefined : `${rule.minExclusive ? '>' : '>='} ${rule.min}`;
  const hi = rule.max === undefined ? undefined : `${rule.maxExclusive ? '<' : '<='} ${rule.max}`;
  const bounds = [lo, hi].filter(Boolean).join(' and ');
  return bounds ? `${kind} ${bounds}` : kind;
}

/** Returns `value` if it is a number obeying `rule`, else throws TypeError/RangeError naming `name`. */
export function checkNumber(name: string, value: unknown, rule: NumberRule = {}): number {
  if (typeof value !== 'number') throw typeError(name, ruleText(rule), value);
  const bad =
    Number.isNaN(value) ||
    (rule.integer === true && !Number.isInteger(value)) ||
    (rule.min !== undefined && (rule.minExclusive ? value <= rule.min : value < rule.min)) ||
    (rule.max !== undefined && (rule.maxExclusive ? value >= rule.max : value > rule.max)) ||
    (!Number.isFinite(value) && !(rule.allowInfinity === true && value === Infinity));
  if (bad) throw rangeError(name, ruleText(rule), value);
  return value;
}

/** `value` if defined (checked), else `fallback`. */
export function optionalNumber(name: string, value: unknown, fallback: number, rule: NumberRule = {}): number {
  return value === undefined ? fallback : checkNumber(name, value, rule);
}

export function optionalBoolean(name: string, value: unknown, fallback: boolean): boolean {
  if (value === undefined) return fallback;
  if (typeof value !== 'boolean') throw typeError(name, 'a boolean', value);
  return value;
}

/** Checks that `value` is one of `choices` (strings). */
export function checkChoice<T extends string>(name: string, value: unknown, choices: readonly T[]): T {
  const expected = `one of ${choices.map((c) => `'${c}'`).join(', ')}`;
  if (typeof value !== 'string') throw typeError(name, expected, value);
  if (!(choices as readonly string[]).includes(value)) throw rangeError(name, expected, value);
  return value as T;
}

/** Checks that `value` is a plain object (or undefined → {}), and that it has no unknown keys. */
export function checkOptions(name: string, value: unknown, known: readonly string[]): Record<string, unknown> {
  if (value === undefined) return {};
  if (value === null || typeof value !== 'object' || Array.isArray(value)) throw typeError(name, 'an options object', value);
  for (const key of Object.keys(value)) {
    if (!known.includes(key)) throw rangeError(`${name}.${key}`, `one of the known options (${known.join(', ')})`, key);
  }
  return value as Record<string, unknown>;
}

/** The largest seed accepted everywhere: seeds must be exact integers in JavaScript numbers. */
export const MAX_SEED = Number.MAX_SAFE_INTEGER;

/** Checks a seed: an integer in [0, 2^53 - 1]. */
export function optionalSeed(name: string, value: unknown, fallback: number): number {
  return optionalNumber(name, value, fallback, { integer: true, min: 0, max: MAX_SEED });
}
