// SPDX-License-Identifier: MIT
/**
 * Permutation SHAP (shap's PermutationExplainer, `shap/explainers/_permutation.py`) on a
 * {@link ShapGame}: each seeded random order p_1..p_M of the players gives an antithetic pair of passes,
 *
 * - forward: add p_1, p_2, … to the empty coalition; p_t is credited v({p_1..p_t}) − v({p_1..p_{t−1}});
 * - backward: remove p_1, p_2, … from the full coalition; p_t is credited
 *   v({p_t..p_M}) − v({p_{t+1}..p_M}).
 *
 * Values are the average of the 2P marginal contributions (P permutations); each pass telescopes to
 * f(all) − f(∅), so efficiency holds to rounding, and the result is exact after one permutation for
 * games with at most pairwise interactions.
 *
 * standardErrors: a permutation's two passes are anti-correlated (that is what the backward pass is
 * for), so the independent units are the permutations, not the passes: SE = sample std of the P
 * per-permutation means (forward + backward) / 2, over sqrt(P). The std over the 2P passes / sqrt(2P)
 * (used before) ignores the anti-correlation and overstated the spread of the values over seeds by up
 * to ~4× on games with 3-way interactions. With one permutation there is no spread of permutations to
 * measure, and the pass spread (std over the 2 passes / sqrt 2) stands in as a conservative bound.
 *
 * Evaluation count, honestly: the empty and full coalitions are shared by every pass of every
 * permutation and evaluated once; each permutation then needs its 2(M−1) intermediate coalitions. So
 * P = ⌊(maxEvals − 2) / (2(M−1))⌋ permutations and evaluations = 2 + 2(M−1)·P; the minimum budget is
 * 2M (shap asks for 2M + 1 because it sends ∅ twice per permutation, and spends 2M + 1 per
 * permutation). Several permutations' coalitions are sent per game.evaluate call (batchSize rows).
 *
 * `maxEvals: 'auto'` (options.adaptive, lib/shap/adaptive.ts): permutations in rounds of
 * max(2, ⌊roundSize / 2(M−1)⌋) (the last one cut at maxEvalsLimit), each round checking max SE / max |φ| against errorTarget, up to
 * maxEvalsLimit. The rounds draw the same permutations from the same stream and add the same passes in
 * the same order, so an 'auto' run that stops after P permutations returns exactly the values and
 * standard errors of a fixed run with maxEvals = 2 + 2(M−1)·P (reported as its `maxEvals`).
 */
import { Rng } from '../rng';
import { MIN_DRAWS_TO_STOP, relativeError, SHAP_ADAPTIVE_OPTIONS, type ShapPrecision } from './adaptive';
import { checkRunOptions, evaluateExplained, evaluateEnds } from './exact';
import type { ShapAlgorithmSpec } from './algorithm';
import type { ShapGame, ShapRunOptions, ShapValues } from './game';

/** The smallest maxEvals that buys one permutation of M players. */
export function permutationMinEvals(M: number): number {
  return M <= 1 ? 2 : 2 * M;
}

/** Permutation SHAP values of the explained outputs. */
export async function permutationShap(game: ShapGame, options: ShapRunOptions): Promise<ShapValues> {
  checkRunOptions(game, options, 1);
  const M = game.players;
  const min = permutationMinEvals(M);
  if (options.maxEvals < min)
    throw new RangeError(
      `maxEvals = ${options.maxEvals} is too small for one permutation of M = ${M} players: it needs at least 2M = ${min} ` +
        `(the empty and full coalitions once plus 2(M−1) = ${2 * (M - 1)} intermediate ones; shap's PermutationExplainer asks for 2M + 1 = ${2 * M + 1})`,
    );
  const L = options.explained.length;
  const { base, full } = await evaluateEnds(game, options);
  const adaptive = options.adaptive;
  if (M === 1) {
    const values = new Float64Array(L);
    for (let l = 0; l < L; l++) values[l] = full[l] - base[l];
    const precision = adaptive && { reached: 0, target: adaptive.errorTarget, rounds: 1, limit: adaptive.maxEvalsLimit };
    return { values, base, full, evaluations: 2, standardErrors: new Float64Array(L), ...(precision ? { precision, maxEvals: 2 } : {}) };
  }

  const inner = 2 * (M - 1); // intermediate coalitions per permutation
  const P = Math.floor((options.maxEvals - 2) / inner);
  // Permutations per round: all of them at once for a fixed budget; at least 2 with 'auto', so no
  // stop is judged on the one-permutation stand-in for the standard errors.
  const perRound = adaptive ? Math.max(2, Math.floor(adaptive.roundSize / inner)) : P;
  const group = Math.max(1, Math.floor(options.batchSize / inner)); // permutations per evaluation call
  const rng = new Rng(options.seed);
  // Welford's running mean and sum of squared deviations (no cancellation when the spread is 0).
  const mean = new Float64Array(L * M);
  const m2 = new Float64Array(L * M);
  let passes = 0;
  const perms = new Int32Array(group * M);
  const masks = new Uint8Array(group * inner * M);
  const pass = new Float64Array(L * M); // one pass's contributions
  const addPass = () => {
    passes++;
    for (let i = 0; i < L * M; i++) {
      const d = pass[i] - mean[i];
      mean[i] += d / passes;
      m2[i] += d * (pass[i] - mean[i]);
    }
  };
  // The same over permutations: each one's mean of its forward and backward pass.
  const pairMean = new Float64Array(L * M);
  const pairM2 = new Float64Array(L * M);
  const forward = new Float64Array(L * M);
  let pairs = 0;
  const addPair = () => {
    pairs++;
    for (let i = 0; i < L * M; i++) {
      const x = (forward[i] + pass[i]) / 2;
      const d = x - pairMean[i];
      pairMean[i] += d / pairs;
      pairM2[i] += d * (x - pairMean[i]);
    }
  };
  const standardErrors = new Float64Array(L * M);
  let precision: ShapPrecision | undefined;
  let done = 0;
  for (let round = 1; done < P; round++) {
    const end = Math.min(P, done + perRound);
    while (done < end) {
      const g = Math.min(group, end - done);
      masks.fill(0);
      for (let q = 0; q < g; q++) {
        const p = rng.permutation(M);
        perms.set(p, q * M);
        const rows = masks.subarray(q * inner * M, (q + 1) * inner * M);
        // Rows 0..M−2: prefixes {p[0..t−1]}, t = 1..M−1. Rows M−1..2M−3: suffixes {p[t..M−1]}, t = 1..M−1.
        for (let t = 1; t < M; t++) {
          const row = rows.subarray((t - 1) * M, t * M);
          for (let k = 0; k < t; k++) row[p[k]] = 1;
          const suffix = rows.subarray((M - 1 + t - 1) * M, (M - 1 + t) * M);
          for (let k = t; k < M; k++) suffix[p[k]] = 1;
        }
      }
      const v = await evaluateExplained(game, masks.subarray(0, g * inner * M), g * inner, options.batchSize, options.explained);
      for (let q = 0; q < g; q++) {
        const p = perms.subarray(q * M, (q + 1) * M);
        const off = q * inner;
        // value of prefix t (t = 0..M) and of suffix starting at index t (t = 0..M), per output l.
        const prefix = (t: number, l: number) => (t === 0 ? base[l] : t === M ? full[l] : v[(off + t - 1) * L + l]);
        const suffix = (t: number, l: number) => (t === 0 ? full[l] : t === M ? base[l] : v[(off + M - 1 + t - 1) * L + l]);
        for (let t = 0; t < M; t++) for (let l = 0; l < L; l++) pass[l * M + p[t]] = prefix(t + 1, l) - prefix(t, l);
        addPass();
        forward.set(pass);
        for (let t = 0; t < M; t++) for (let l = 0; l < L; l++) pass[l * M + p[t]] = suffix(t, l) - suffix(t + 1, l);
        addPass();
        addPair();
      }
      done += g;
    }
    for (let i = 0; i < L * M; i++)
      standardErrors[i] = pairs > 1 ? Math.sqrt(pairM2[i] / (pairs - 1) / pairs) : Math.sqrt(Math.max(0, m2[i] / passes) / passes);
    if (adaptive) {
      precision = {
        reached: relativeError(mean, standardErrors),
        target: adaptive.errorTarget,
        rounds: round,
        limit: adaptive.maxEvalsLimit,
      };
      // A standard error over a couple of permutations can read 0 by chance: stop only on enough.
      if (precision.reached <= adaptive.errorTarget && done >= MIN_DRAWS_TO_STOP) break;
    }
  }
  const evaluations = 2 + inner * done;
  return { values: mean, base, full, evaluations, standardErrors, ...(precision ? { precision, maxEvals: evaluations } : {}) };
}

/** PermutationExplainer's algorithm, registered in registry.ts. */
export const permutation = {
  name: 'permutation',
  summary: 'PermutationExplainer: antithetic forward/backward passes, with standard errors',
  defaultFeatures: 'superpixels',
  defaultBatchSize: 64,
  defaultMaxEvals: () => 500,
  defaultMaxEvalsText: '500',
  maxPlayers: { limit: 4096, why: 'two passes of M evaluations per permutation' },
  options: SHAP_ADAPTIVE_OPTIONS,
  // Two permutations: the first round's standard errors need a spread of permutations.
  adaptive: { minEvals: (players: number) => (players <= 1 ? 2 : 2 + 4 * (players - 1)) },
  // Every coalition is cached with its outputs: M mask bytes and K float32 outputs.
  bookkeepingBytes: (players: number, outputs: number) => players + 4 * outputs,
  cacheAll: true,
  run: ({ game, run }) => permutationShap(game, run),
} as const satisfies ShapAlgorithmSpec;
