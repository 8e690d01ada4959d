// SPDX-License-Identifier: MIT
/**
 * LIME's adaptive budget (`numSamples: 'auto'`): sample in rounds and stop once the top-k ranking
 * of the first explained class is stable under a seeded bootstrap of the samples taken so far.
 * Rounds are prefixes of one sampler draw, so an 'auto' run that stops at n samples used exactly
 * the masks (and gets exactly the weights) of a fixed run with `numSamples: n`.
 */
import { binding, limeFitOutput, type NativeLimeFitParams } from './native';
import { jaccard } from './metrics/stats';
import { topK } from './rank';
import { Rng } from './rng';
import { checkNumber, optionalNumber, typeError } from './validate';

/** Most LIME samples per explanation, fixed (`numSamples`) or adaptive (`maxSamples`). */
export const MAX_NUM_SAMPLES = 1e7;
/** Stability an 'auto' run stops at when `stabilityTarget` is not given. */
export const DEFAULT_STABILITY_TARGET = 0.9;
/** Most samples an 'auto' run takes when `maxSamples` is not given. */
export const DEFAULT_MAX_SAMPLES = 4000;
/** Samples per round (the first round included) when `roundSize` is not given. */
export const DEFAULT_ROUND_SIZE = 250;
/** Bootstrap resamples behind each stability estimate. */
export const BOOTSTRAP_RESAMPLES = 20;
/** Segments in the ranking whose stability is measured (fewer when there are fewer segments). */
export const STABILITY_TOP_K = 5;
/** Most rounds a run may take: `roundSize` must be at least maxSamples / MAX_ROUNDS (each round refits everything). */
export const MAX_ROUNDS = 100;

/**
 * Samples a run takes before its stability may stop it, for M segments: a bootstrap of a handful of
 * rows (all resamples alike when there is one perturbed row) or of fewer rows than twice the
 * regression's M + 1 unknowns reports a stability that means nothing. At most `maxSamples`.
 */
export function samplesBeforeStop(M: number, maxSamples: number): number {
  return Math.min(maxSamples, Math.max(11, 2 * (M + 1)));
}

/** The checked adaptive-budget options. */
export interface AdaptiveBudget {
  stabilityTarget: number;
  maxSamples: number;
  roundSize: number;
}

/** What an 'auto' run reports next to `numSamples` (the samples it used). */
export interface LimeStability {
  /** Stability reached: mean top-k Jaccard of the bootstrap refits against the fit on all samples. */
  reached: number;
  /** The `stabilityTarget` it aimed at. */
  target: number;
  /** Rounds sampled. */
  rounds: number;
  /** Segments in the compared top-k sets. */
  k: number;
}

const ADAPTIVE_OPTIONS = ['stabilityTarget', 'maxSamples', 'roundSize'] as const;

/**
 * Checks `numSamples` and the adaptive options: returns the budget for `numSamples: 'auto'`,
 * undefined otherwise. The adaptive options without 'auto', or a string other than 'auto', are a
 * TypeError naming the option; out-of-range values a RangeError.
 */
export function resolveAdaptiveBudget(o: {
  numSamples?: unknown;
  stabilityTarget?: unknown;
  maxSamples?: unknown;
  roundSize?: unknown;
}): AdaptiveBudget | undefined {
  if (o.numSamples !== 'auto') {
    if (typeof o.numSamples === 'string') throw typeError('numSamples', "an integer >= 2 or 'auto'", o.numSamples);
    for (const name of ADAPTIVE_OPTIONS) if (o[name] !== undefined) throw typeError(name, "undefined unless numSamples is 'auto'", o[name]);
    return undefined;
  }
  const stabilityTarget = optionalNumber('stabilityTarget', o.stabilityTarget, DEFAULT_STABILITY_TARGET, {
    min: 0,
    minExclusive: true,
    max: 1,
  });
  const roundSize = optionalNumber('roundSize', o.roundSize, DEFAULT_ROUND_SIZE, { integer: true, min: 2, max: MAX_NUM_SAMPLES });
  const maxSamples = optionalNumber('maxSamples', o.maxSamples, Math.max(DEFAULT_MAX_SAMPLES, roundSize), {
    integer: true,
    min: 2,
    max: MAX_NUM_SAMPLES,
  });
  checkNumber('maxSamples', maxSamples, { integer: true, min: roundSize, max: MAX_NUM_SAMPLES });
  // Each round refits on every sample so far (plus the bootstrap's refits), so many tiny rounds cost
  // quadratically: bound their number.
  checkNumber('roundSize', roundSize, { integer: true, min: Math.ceil(maxSamples / MAX_ROUNDS), max: MAX_NUM_SAMPLES });
  return { stabilityTarget, maxSamples, roundSize };
}

/**
 * Bootstrap stability of one class's top-k segments: BOOTSTRAP_RESAMPLES times, keep row 0 (the
 * image, the kernel's reference) and draw rows 1..n-1 with replacement from the n samples, refit
 * with the same regressor, and take the Jaccard index of the refit's top-k |weights| with the
 * full fit's. Returns their mean (1: every resample ranks the same k segments on top).
 * Jaccard of the top k rather than Spearman of all weights, because the ranking users read is
 * the top few segments, and the many near-zero weights would make Spearman noisy without meaning.
 *
 * @param masks - n × M masks; @param target - the class's n outputs; @param full - its M weights
 * from the fit on all n; @param seed - the bootstrap's seed (derive it from the run's seed and n).
 */
export async function bootstrapStability(
  masks: Uint8Array,
  n: number,
  M: number,
  target: Float64Array,
  full: Float64Array,
  params: NativeLimeFitParams,
  seed: number,
): Promise<{ stability: number; k: number }> {
  const k = Math.min(STABILITY_TOP_K, M);
  const reference = topK(Array.from(full, Math.abs), k);
  const rng = new Rng(seed);
  const bm = new Uint8Array(n * M);
  const bt = new Float64Array(n);
  let sum = 0;
  for (let b = 0; b < BOOTSTRAP_RESAMPLES; b++) {
    bm.set(masks.subarray(0, M), 0);
    bt[0] = target[0];
    for (let i = 1; i < n; i++) {
      const r = 1 + rng.nextInt(n - 1);
      bm.set(masks.subarray(r * M, (r + 1) * M), i * M);
      bt[i] = target[r];
    }
    const out = limeFitOutput(n, 1, M);
    await binding.limeFit(bm, n, M, bt, 1, params, out);
    sum += jaccard(reference, topK(Array.from(out.coef, Math.abs), k));
  }
  return { stability: sum / BOOTSTRAP_RESAMPLES, k };
}
