// SPDX-License-Identifier: MIT
/**
 * Kernel SHAP with `maxEvals: 'auto'` (lib/shap/adaptive.ts): rounds of growing budgets
 * B_r = min(r × roundSize, maxEvalsLimit, 2^M), each solved exactly as a fixed run of B_r
 * (kernel.ts, so each round's values are shap's at that budget), with standard errors from a seeded
 * bootstrap of the sampled coalitions; stop at the first round whose max SE / max |φ| is at most
 * errorTarget, or at the limit.
 *
 * Rounds re-draw kernelSamples(M, B_r − 2) from the run's seed. Enumerated sizes use no randomness
 * and the sampled part reads the same random stream, so while the set of enumerated sizes stays the
 * same, round r's coalitions start with round r−1's; coalitions already evaluated are looked up, not
 * evaluated again. When a larger budget enumerates one more size, earlier sampled coalitions of that
 * size may not recur: they were evaluated and are not used. So `evaluations` (what was spent) can
 * exceed the returned `maxEvals` (the fixed budget giving the same values); never the limit: a round
 * that would pass it is cut to the largest budget that fits, and is the last.
 *
 * Why a bootstrap: shap's KernelExplainer enumerates the complete sizes and samples the rest, merging
 * repeats into weights, then solves a constrained weighted least squares; no closed-form variance
 * covers that mix. Covert & Lee (2021, "Improving KernelSHAP") give one for pure i.i.d. (paired)
 * sampling, without enumerated sizes. Resampling the sampled draws (a coalition with its complement
 * being one draw), keeping the enumerated rows, and re-solving estimates the spread of exactly this
 * estimator, with no model evaluation (the outputs are reused). With every coalition enumerated the
 * values are exact and the standard errors 0.
 */
import { binding, type NativeKernelShapParams } from '../native';
import { Rng } from '../rng';
import { MIN_DRAWS_TO_STOP, relativeError, type ShapPrecision } from './adaptive';
import { checkRunOptions, evaluateEnds, evaluateExplained } from './exact';
import type { ShapGame, ShapValues } from './game';
import { kernelSamples, resolveL1, type KernelSamples, type KernelShapOptions } from './kernel';

/** Bootstrap resamples behind each round's standard errors (as LIME's adaptive mode). */
export const KERNEL_BOOTSTRAP_RESAMPLES = 20;

/** Whether row b is the complement of row a (n × M masks). */
function complementRows(masks: Uint8Array, a: number, b: number, M: number): boolean {
  for (let j = 0; j < M; j++) if (masks[a * M + j] + masks[b * M + j] !== 1) return false;
  return true;
}

/** Coalitions drawn at random (not enumerated) behind `s`, each draw counted as often as it was drawn. */
function sampledDraws(s: KernelSamples): number {
  let draws = 0;
  for (let i = s.fixed; i < s.n; i++) draws += s.counts[i];
  return draws;
}

/**
 * Bootstrap standard errors (L × M) of Kernel SHAP values solved from `s` (the samples),
 * `y` (n × L outputs minus f(∅)) and `delta` (f(all) − f(∅)). The sampled draws (a row, or a row and
 * its complement) are resampled with replacement, as many as were drawn; each resample keeps the
 * enumerated rows, gives every sampled row its draws' new count, rescales the sampled weights to
 * their original mass (as kernelSamples does) and re-solves. SE = the resamples' standard deviation.
 * All zeros when nothing was sampled. Deterministic for `seed`.
 */
export async function kernelBootstrapErrors(
  s: KernelSamples,
  M: number,
  y: Float64Array,
  L: number,
  delta: Float64Array,
  params: NativeKernelShapParams,
  seed: number,
  resamples = KERNEL_BOOTSTRAP_RESAMPLES,
): Promise<Float64Array> {
  const se = new Float64Array(L * M);
  const starts: number[] = [];
  for (let i = s.fixed; i < s.n; i += i + 1 < s.n && complementRows(s.masks, i, i + 1, M) ? 2 : 1) starts.push(i);
  if (starts.length === 0) return se;
  const U = starts.length;
  const cdf = new Float64Array(U);
  let draws = 0;
  for (let u = 0; u < U; u++) cdf[u] = draws += s.counts[starts[u]];
  let mass = 0;
  for (let i = s.fixed; i < s.n; i++) mass += s.weights[i];
  const w = Float64Array.from(s.weights);
  const picks = new Float64Array(U);
  const rng = new Rng(seed);
  const mean = new Float64Array(L * M);
  const m2 = new Float64Array(L * M);
  const out = new Float64Array(L * M);
  for (let b = 1; b <= resamples; b++) {
    picks.fill(0);
    for (let d = 0; d < draws; d++) {
      const u = rng.nextDouble() * draws;
      let lo = 0,
        hi = U - 1;
      while (lo < hi) {
        const mid = (lo + hi) >> 1;
        if (u < cdf[mid]) hi = mid;
        else lo = mid + 1;
      }
      picks[lo]++;
    }
    let sum = 0;
    for (let u = 0; u < U; u++) {
      const end = u + 1 < U ? starts[u + 1] : s.n;
      const scale = picks[u] / s.counts[starts[u]];
      for (let i = starts[u]; i < end; i++) sum += w[i] = s.counts[i] * scale;
    }
    if (sum > 0) for (let i = s.fixed; i < s.n; i++) w[i] *= mass / sum;
    await binding.kernelShapSolve(s.masks, s.n, M, w, y, L, delta, params, out);
    for (let i = 0; i < L * M; i++) {
      const d = out[i] - mean[i];
      mean[i] += d / b;
      m2[i] += d * (out[i] - mean[i]);
    }
  }
  for (let i = 0; i < L * M; i++) se[i] = Math.sqrt(m2[i] / (resamples - 1));
  return se;
}

/** Kernel SHAP values with an adaptive budget (options.adaptive set; options.maxEvals is its limit). */
export async function kernelShapAuto(game: ShapGame, options: KernelShapOptions): Promise<ShapValues> {
  checkRunOptions(game, options, 3);
  const adaptive = options.adaptive;
  if (adaptive === undefined) throw new TypeError('kernelShapAuto needs options.adaptive');
  const M = game.players;
  const params = resolveL1(options.l1);
  params.zeroTol = 0;
  const L = options.explained.length;
  const { base, full } = await evaluateEnds(game, options);
  const delta = new Float64Array(L);
  for (let l = 0; l < L; l++) delta[l] = full[l] - base[l];
  const precision = (reached: number, rounds: number): ShapPrecision => ({
    reached,
    target: adaptive.errorTarget,
    rounds,
    limit: adaptive.maxEvalsLimit,
  });
  if (M === 1)
    return { values: delta, base, full, evaluations: 2, standardErrors: new Float64Array(L), precision: precision(0, 1), maxEvals: 2 };

  const all = M <= 30 ? 2 ** M : Infinity;
  const limit = adaptive.maxEvalsLimit;
  // Every coalition evaluated so far (mask bytes as a latin1 key) → its row in `known`.
  const rowOf = new Map<string, number>();
  let known = new Float64Array(0); // rows × L: f(S) − f(∅)
  const keysOf = (s: KernelSamples) =>
    Array.from({ length: s.n }, (_, i) => Buffer.from(s.masks.buffer, s.masks.byteOffset + i * M, M).toString('latin1'));
  const spent = (keys: string[]) => 2 + rowOf.size + keys.filter((k) => !rowOf.has(k)).length;
  let previous = 0;
  let last: ShapValues | undefined;
  for (let round = 1; ; round++) {
    let budget = Math.min(round * adaptive.roundSize, limit, all);
    let s = kernelSamples(M, budget - 2, new Rng(options.seed));
    let keys = keysOf(s);
    let final = budget >= limit || budget >= all;
    if (spent(keys) > limit) {
      // Coalitions of earlier rounds that this budget no longer uses (see above) count too: take the
      // largest budget whose new coalitions still fit under the limit, and stop there.
      let lo = previous,
        hi = budget;
      while (hi - lo > 1) {
        const mid = Math.floor((lo + hi) / 2);
        if (spent(keysOf(kernelSamples(M, mid - 2, new Rng(options.seed)))) <= limit) lo = mid;
        else hi = mid;
      }
      if (lo === previous) return last as ShapValues; // round 1 always fits: its budget is at most the limit
      budget = lo;
      s = kernelSamples(M, budget - 2, new Rng(options.seed));
      keys = keysOf(s);
      final = true;
    }
    const fresh: number[] = [];
    for (let i = 0; i < s.n; i++) {
      if (!rowOf.has(keys[i])) {
        rowOf.set(keys[i], rowOf.size);
        fresh.push(i);
      }
    }
    if (fresh.length) {
      const masks = new Uint8Array(fresh.length * M);
      fresh.forEach((i, k) => masks.set(s.masks.subarray(i * M, (i + 1) * M), k * M));
      const v = await evaluateExplained(game, masks, fresh.length, options.batchSize, options.explained);
      for (let k = 0; k < fresh.length; k++) for (let l = 0; l < L; l++) v[k * L + l] -= base[l];
      const grown = new Float64Array(known.length + v.length);
      grown.set(known);
      grown.set(v, known.length);
      known = grown;
    }
    const y = new Float64Array(s.n * L);
    for (let i = 0; i < s.n; i++) {
      const row = rowOf.get(keys[i]) as number;
      y.set(known.subarray(row * L, (row + 1) * L), i * L);
    }
    const values = new Float64Array(L * M);
    await binding.kernelShapSolve(s.masks, s.n, M, s.weights, y, L, delta, params, values);
    // The bootstrap's seed follows the run's and the budget, so the stopping point is the seed's too.
    const standardErrors = await kernelBootstrapErrors(s, M, y, L, delta, params, (options.seed + budget) % 2 ** 53);
    // Too few sampled draws (or none, with sizes left out) give standard errors of 0 that mean
    // nothing; only an exhaustive budget is exact without them.
    const trusted = budget >= all || sampledDraws(s) >= MIN_DRAWS_TO_STOP;
    const reached = trusted ? relativeError(values, standardErrors) : Infinity;
    last = { values, base, full, evaluations: 2 + rowOf.size, standardErrors, precision: precision(reached, round), maxEvals: budget };
    if (reached <= adaptive.errorTarget || final) return last;
    previous = budget;
  }
}
