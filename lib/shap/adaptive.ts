// SPDX-License-Identifier: MIT
/**
 * SHAP's adaptive budget (`maxEvals: 'auto'`, Kernel and Permutation): evaluate coalitions in rounds
 * and stop once the explanation is precise enough, or at `maxEvalsLimit`.
 *
 * Precision is the largest standard error of any explained value relative to the largest |value|
 * over all explained classes: max_{l,i} SE(φ_{l,i}) / max_{l,i} |φ_{l,i}|. One scale for all classes
 * because that is how the values are read: renderShap (like shap's image_plot) draws every class on
 * one colour scale set by the largest values, so this is the noise of any value as a fraction of that
 * scale. |f(x) − f(baseline)| was the other candidate scale; it is near 0 whenever the masker keeps the
 * class (a blur that does not change the top class), where it would demand a precision nobody sees.
 * Standard errors: Permutation's own (spread of the antithetic passes, permutation.ts); Kernel's from a
 * seeded bootstrap of its sampled coalitions (kernel-bootstrap.ts).
 */
import { checkNumber, optionalNumber, rangeError, typeError } from '../validate';
import type { ShapAlgorithmSpec } from './algorithm';

/** Relative standard error an 'auto' run stops at when `errorTarget` is not given. */
export const DEFAULT_ERROR_TARGET = 0.2;
/** Evaluations per round (the first included) when `roundSize` is not given. */
export const DEFAULT_SHAP_ROUND_SIZE = 500;
/** Most evaluations of an 'auto' run when `maxEvalsLimit` is not given: this many times the algorithm's fixed default. */
export const DEFAULT_LIMIT_FACTOR = 4;

/** The options only `maxEvals: 'auto'` takes (Kernel and Permutation declare them as their own). */
/** Most rounds a run may take: `roundSize` must be at least maxEvalsLimit / MAX_SHAP_ROUNDS. */
export const MAX_SHAP_ROUNDS = 100;
/**
 * Fewest independent draws (Permutation: permutations; Kernel: sampled coalitions or pairs) behind a
 * standard error that may stop a run: from one or two draws every resample is alike and the
 * standard error reads 0 whatever the values' real spread.
 */
export const MIN_DRAWS_TO_STOP = 10;

export const SHAP_ADAPTIVE_OPTIONS = ['errorTarget', 'maxEvalsLimit', 'roundSize'] as const;

/** The checked adaptive-budget options. */
export interface ShapAdaptiveBudget {
  errorTarget: number;
  maxEvalsLimit: number;
  roundSize: number;
}

/** What an 'auto' run reports next to `evaluations` (what it spent) and `maxEvals` (the fixed budget giving the same values). */
export interface ShapPrecision {
  /** Precision reached: largest standard error over the largest |value| (see lib/shap/adaptive.ts). */
  reached: number;
  /** The `errorTarget` it aimed at. */
  target: number;
  /** Rounds evaluated. */
  rounds: number;
  /** The `maxEvalsLimit` it could not pass. */
  limit: number;
}

/**
 * Checks `maxEvals` against 'auto' and the adaptive options: returns the budget for `maxEvals: 'auto'`,
 * undefined otherwise (the caller then checks the number). A string other than 'auto' is a TypeError
 * naming maxEvals; the adaptive options without 'auto' a TypeError naming the option; 'auto' with an
 * algorithm that has no adaptive mode, or out-of-range values, a RangeError.
 *
 * Defaults: errorTarget 0.2, roundSize 500, maxEvalsLimit 4 × the algorithm's fixed default budget
 * (at least roundSize and the algorithm's minimum).
 * @param players - M, for the algorithm's default budget and minimum; @param most - the largest budget accepted.
 */
export function resolveShapAdaptive(
  o: Readonly<Record<string, unknown>>,
  algorithm: ShapAlgorithmSpec,
  players: number,
  most: number,
): ShapAdaptiveBudget | undefined {
  if (o.maxEvals !== 'auto') {
    if (typeof o.maxEvals === 'string') throw typeError('maxEvals', "an integer >= 2 or 'auto'", o.maxEvals);
    for (const name of SHAP_ADAPTIVE_OPTIONS)
      if (o[name] !== undefined) throw typeError(name, "undefined unless maxEvals is 'auto'", o[name]);
    return undefined;
  }
  if (algorithm.adaptive === undefined)
    throw rangeError(
      'maxEvals',
      `a number with algorithm '${algorithm.name}' ('auto' only with algorithm 'kernel' or 'permutation')`,
      'auto',
    );
  const errorTarget = optionalNumber('errorTarget', o.errorTarget, DEFAULT_ERROR_TARGET, { min: 0, minExclusive: true, max: 1 });
  const roundSize = optionalNumber('roundSize', o.roundSize, DEFAULT_SHAP_ROUND_SIZE, { integer: true, min: 3, max: most });
  const least = Math.max(roundSize, algorithm.adaptive.minEvals(players));
  const maxEvalsLimit = optionalNumber(
    'maxEvalsLimit',
    o.maxEvalsLimit,
    Math.min(most, Math.max(DEFAULT_LIMIT_FACTOR * algorithm.defaultMaxEvals(players), least)),
    { integer: true, min: 3, max: most },
  );
  if (maxEvalsLimit < least)
    throw rangeError(
      'maxEvalsLimit',
      `at least ${least} (roundSize is ${roundSize}; algorithm '${algorithm.name}' with ${players} features needs ${algorithm.adaptive.minEvals(players)})`,
      maxEvalsLimit,
    );
  // Each round re-solves (Kernel: re-draws and bootstraps) everything so far, so many tiny rounds
  // cost quadratically: bound their number.
  checkNumber('roundSize', roundSize, { integer: true, min: Math.ceil(maxEvalsLimit / MAX_SHAP_ROUNDS), max: most });
  return { errorTarget, maxEvalsLimit, roundSize };
}

/**
 * max SE / max |value| over every explained value (L × M each): 0 when every SE is 0 (exact), Infinity
 * when the values are all 0 but some SE is not.
 */
export function relativeError(values: Float64Array, standardErrors: Float64Array): number {
  let se = 0,
    scale = 0;
  for (let i = 0; i < values.length; i++) {
    se = Math.max(se, standardErrors[i]);
    scale = Math.max(scale, Math.abs(values[i]));
  }
  return se === 0 ? 0 : scale === 0 ? Infinity : se / scale;
}
