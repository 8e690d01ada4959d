// SPDX-License-Identifier: MIT
/**
 * Reads what a predict function returned (function-model.ts) into a float32 copy of its scores,
 * as an attacker would hand it over: every property is read once, through a guard that turns a
 * throwing getter or Proxy trap into an Error naming the function and the batch; lengths are
 * checked before any element is read, so a Proxy that claims a huge length costs nothing; the
 * scores are copied, so the function may keep and change what it returned.
 */
import * as util from 'node:util';
import { describe, rangeError, typeError } from '../validate';

/**
 * The most classes a predict function may return per row: bounds what a claimed length can make
 * us read or allocate (ImageNet-21k has 21,843).
 */
export const MAX_FUNCTION_CLASSES = 1 << 20;

/** The accepted return forms, for messages. */
const FORMS =
  'a Float32Array or Float64Array of rows × classes scores, an array of such numbers, or an array of rows arrays of classes numbers';

/** A thrown value's message, read without trusting it (a hostile error may throw from its getters). */
export function errorText(err: unknown): string {
  try {
    if (err instanceof Error) return String(err.message);
    return describe(err);
  } catch {
    return '(an error whose message could not be read)';
  }
}

/** `read()`, with whatever it throws (a getter, a Proxy trap) turned into an Error naming `what`. */
function guarded<T>(what: string, read: () => T): T {
  try {
    return read();
  } catch (err) {
    throw new Error(`Reading ${what} threw: ${errorText(err)}`, { cause: err });
  }
}

/**
 * The class count of a value of `length` scores for `rows` rows (`rows` = 1 for one row of a
 * nested value): `expected` when known, else `length / rows`, which must be a whole 1..
 * {@link MAX_FUNCTION_CLASSES}.
 */
function classCount(length: number, rows: number, expected: number | undefined, where: string, value: unknown): number {
  const per = rows === 1 ? 'scores' : `scores (${rows} rows × classes)`;
  if (expected !== undefined) {
    if (length !== rows * expected) throw rangeError(where, `${rows * expected} ${per.replace('classes', `${expected} classes`)}`, value);
    return expected;
  }
  const k = length / rows;
  if (!Number.isInteger(k) || k < 1) throw rangeError(where, `a positive multiple of ${rows} ${per}`, value);
  if (k > MAX_FUNCTION_CLASSES) throw rangeError(where, `at most ${MAX_FUNCTION_CLASSES} classes per row`, value);
  return k;
}

/** Checks that every score is finite; names the row and class of the first that is not. */
function checkScores(scores: Float32Array, classes: number, where: string): void {
  for (let i = 0; i < scores.length; i++) {
    const v = scores[i] as number;
    if (!Number.isFinite(v)) {
      const row = Math.floor(i / classes);
      throw rangeError(`row ${row}, class ${i - row * classes} of ${where}`, 'a finite score', v);
    }
  }
}

/** One element of an array, read once: a number (or a TypeError naming its place). */
function element(array: object, index: number, where: string, place: string): number {
  return number(
    guarded(`${place} of ${where}`, () => (array as Record<number, unknown>)[index]),
    `${place} of ${where}`,
  );
}

/** `v` if it is a number, else a TypeError naming `name`. */
function number(v: unknown, name: string): number {
  if (typeof v !== 'number') throw typeError(name, 'a number', v);
  return v;
}

/** An array's length, read once (a Proxy's may be anything). */
function arrayLength(array: object, where: string): number {
  const n = guarded(`the length of ${where}`, () => (array as { length: unknown }).length);
  if (typeof n !== 'number' || !Number.isInteger(n) || n < 0) throw typeError(`the length of ${where}`, 'an array length', n);
  return n;
}

/**
 * Reads the scores a predict function returned for `rows` samples.
 *
 * @param value - the function's (awaited) return value.
 * @param rows - samples in the batch, >= 1.
 * @param classes - scores per row expected (from earlier batches or the class names), or undefined
 *   to take them from this value (`length / rows` for a flat value).
 * @param where - names the value in messages, e.g. `the value returned by predict function "f" for batch 3 ([4, 3, 16, 16])`.
 * @returns a float32 copy, row-major `rows × classes`, and the class count.
 * @throws TypeError for a value of another form or a non-number element; RangeError for a length
 *   that is not `rows × classes` (or `rows` rows of `classes`), for more than
 *   {@link MAX_FUNCTION_CLASSES} classes, and for a non-finite score (naming its row and class);
 *   Error when reading the value throws (a getter, a Proxy trap, a detached buffer).
 */
export function readPredictions(
  value: unknown,
  rows: number,
  classes: number | undefined,
  where: string,
): { scores: Float32Array; classes: number } {
  // util.types checks internal slots: no getter or Proxy trap runs.
  if (util.types.isFloat32Array(value) || util.types.isFloat64Array(value)) {
    // The typed-array constructor reads the source's own slots (not its possibly shadowed length
    // or iterator), and the copy is ours: the function may reuse its array.
    const scores = guarded(where, () => new Float32Array(value));
    const k = classCount(scores.length, rows, classes, where, value);
    checkScores(scores, k, where);
    return { scores, classes: k };
  }
  const isArray = guarded(where, () => Array.isArray(value));
  if (!isArray) throw typeError(where, FORMS, value);
  const array = value as object;
  const length = arrayLength(array, where);
  // Nested when it has one entry per row and the first is an array ([[p0, p1], [p0, p1]]).
  const hasFirst = length === rows;
  const first = hasFirst ? guarded(`[0] of ${where}`, () => (array as Record<number, unknown>)[0]) : undefined;
  const nested = hasFirst && guarded(`[0] of ${where}`, () => Array.isArray(first));
  if (!nested) {
    const k = classCount(length, rows, classes, where, value);
    const scores = new Float32Array(length);
    for (let i = 0; i < length; i++)
      scores[i] = i === 0 && hasFirst ? number(first, `[0] of ${where}`) : element(array, i, where, `[${i}]`);
    checkScores(scores, k, where);
    return { scores, classes: k };
  }
  let k = classes;
  let scores: Float32Array | undefined;
  for (let r = 0; r < rows; r++) {
    const row = r === 0 ? first : guarded(`[${r}] of ${where}`, () => (array as Record<number, unknown>)[r]);
    if (!guarded(`[${r}] of ${where}`, () => Array.isArray(row)))
      throw typeError(`[${r}] of ${where}`, 'an array of scores (one row)', row);
    const n = arrayLength(row as object, `[${r}] of ${where}`);
    k = classCount(n, 1, k, `[${r}] of ${where}`, row);
    scores ??= new Float32Array(rows * k);
    for (let j = 0; j < k; j++) scores[r * k + j] = element(row as object, j, where, `[${r}][${j}]`);
  }
  checkScores(scores as Float32Array, k as number, where);
  return { scores: scores as Float32Array, classes: k as number };
}
