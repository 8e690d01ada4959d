// SPDX-License-Identifier: MIT
/**
 * Kernel SHAP (shap's KernelExplainer, `shap/explainers/_kernel.py`) on a {@link ShapGame}:
 *
 * 1. f(∅) and f(all players) are evaluated first; both count in `maxEvals`.
 * 2. nsamples = maxEvals − 2, capped at 2^M − 2 (every coalition but the two ends).
 * 3. Shapley-kernel weight per coalition size s = 1..⌈(M−1)/2⌉: (M−1)/(s(M−s)), doubled for sizes paired
 *    with their complement (s ≤ ⌊(M−1)/2⌋), normalised.
 * 4. Complete sizes are enumerated (each subset with its complement when paired) while
 *    budget × remaining weight / #subsets ≥ 1 − 1e-8 (shap's rule), renormalising as shap does.
 * 5. The rest of the budget is sampled from the remaining size weights (paired sizes halved; at most
 *    4 × remaining draws): a uniformly random subset of the drawn size, plus its complement for paired
 *    sizes. A repeated coalition adds 1 to the weight of the earlier row (and of its complement row)
 *    instead of a new row. Random rows' weights are rescaled to the size-weight mass left over.
 * 6. Every coalition is evaluated through game.evaluate, batchSize per call, and the constrained
 *    weighted least squares is solved natively per explained output with y = f(S) − f(∅) and
 *    Σφ = f(all) − f(∅) enforced (efficiency holds to rounding unless an L1 selection picks nothing).
 *
 * Differences from shap: randomness comes from the seeded {@link Rng} (same seed → same values, but not
 * numpy's stream); there is no "varying features" pre-filter (a game has no background row to compare
 * with); the |φ| < 1e-10 → 0 clean-up is not applied (it would break efficiency for small totals);
 * `l1` defaults to no selection (shap ≥ 0.47 defaults to 'num_features(10)').
 *
 * `maxEvals: 'auto'` runs kernel-auto.ts instead: rounds of growing budgets with bootstrap standard errors.
 */
import { binding, type NativeKernelShapParams } from '../native';
import { Rng } from '../rng';
import { rangeError, typeError } from '../validate';
import { checkRunOptions, evaluateExplained, evaluateEnds } from './exact';
import { SHAP_ADAPTIVE_OPTIONS } from './adaptive';
import type { ShapAlgorithmSpec } from './algorithm';
import { kernelShapAuto } from './kernel-auto';
import type { ShapGame, ShapRunOptions, ShapValues } from './game';

/** shap's `l1_reg`: false / 0 = none, a number > 0 = Lasso alpha, 'aic' / 'bic' = LassoLarsIC, 'num-features(r)' = LARS with r steps. */
export type KernelL1 = false | number | 'aic' | 'bic' | `num-features(${number})`;

export interface KernelShapOptions extends ShapRunOptions {
  /** L1 feature selection before the solve (per explained output). Default false (none). */
  l1?: KernelL1;
}

/** The default budget callers use: 2M + 2048 capped at 2^M (the two base evaluations included). */
export function defaultKernelMaxEvals(M: number): number {
  return M <= 30 ? Math.min(2 * M + 2048, 2 ** M) : 2 * M + 2048;
}

/** Checks `l1` and turns it into the native solver's selection parameters. */
export function resolveL1(l1: unknown): NativeKernelShapParams {
  if (l1 === undefined || l1 === false || l1 === 0) return { l1: 'none', l1Value: 0 };
  if (typeof l1 === 'number') {
    if (!Number.isFinite(l1) || l1 < 0) throw rangeError('l1', 'a Lasso alpha >= 0', l1);
    return { l1: 'alpha', l1Value: l1 };
  }
  if (l1 === 'aic' || l1 === 'bic') return { l1, l1Value: 0 };
  if (typeof l1 === 'string') {
    const m = /^num[-_]features\((\d+)\)$/.exec(l1);
    if (m) {
      const r = Number(m[1]);
      if (r < 1) throw rangeError('l1', "'num-features(r)' with r >= 1", l1);
      return { l1: 'num-features', l1Value: r };
    }
  }
  throw typeError('l1', "false, a Lasso alpha (number), 'aic', 'bic' or 'num-features(r)'", l1);
}

function binomial(n: number, k: number): number {
  let r = 1;
  for (let i = 1; i <= k; i++) r = (r * (n - k + i)) / i;
  return r < 2 ** 52 ? Math.round(r) : r;
}

/** The coalitions Kernel SHAP evaluates and their kernel weights (exported for tests). */
export interface KernelSamples {
  /** n × M bytes. */
  masks: Uint8Array;
  weights: Float64Array;
  n: number;
  /** Rows [0, fixed) come from complete sizes, the rest were sampled. */
  fixed: number;
  /**
   * Draws behind each row (length n; 0 for enumerated rows): a sampled row's weight before the
   * rescale. The bootstrap of kernel-auto.ts resamples these draws.
   */
  counts: Float64Array;
}

/** Steps 2–5 above: the coalitions and weights for M ≥ 2 players and nsamples rows at most. */
export function kernelSamples(M: number, nsamples: number, rng: Rng): KernelSamples {
  const masks = new Uint8Array(nsamples * M);
  const weights = new Float64Array(nsamples);
  let n = 0;
  const numSubsetSizes = Math.ceil((M - 1) / 2);
  const numPaired = Math.floor((M - 1) / 2);
  const weightVector = new Float64Array(numSubsetSizes);
  for (let s = 1; s <= numSubsetSizes; s++) weightVector[s - 1] = ((M - 1) / (s * (M - s))) * (s <= numPaired ? 2 : 1);
  const total = weightVector.reduce((a, b) => a + b, 0);
  for (let i = 0; i < numSubsetSizes; i++) weightVector[i] /= total;

  // Complete sizes.
  let numFull = 0;
  let left = nsamples;
  const remaining = Float64Array.from(weightVector);
  const idx = new Int32Array(M);
  for (let s = 1; s <= numSubsetSizes; s++) {
    const paired = s <= numPaired;
    const nsubsets = binomial(M, s) * (paired ? 2 : 1);
    if (!((left * remaining[s - 1]) / nsubsets >= 1 - 1e-8)) break;
    numFull++;
    left -= nsubsets;
    if (remaining[s - 1] < 1) {
      const d = 1 - remaining[s - 1];
      for (let i = 0; i < numSubsetSizes; i++) remaining[i] /= d;
    }
    const w = weightVector[s - 1] / binomial(M, s) / (paired ? 2 : 1);
    for (let i = 0; i < s; i++) idx[i] = i;
    for (;;) {
      const row = masks.subarray(n * M, (n + 1) * M);
      for (let i = 0; i < s; i++) row[idx[i]] = 1;
      weights[n++] = w;
      if (paired) {
        const comp = masks.subarray(n * M, (n + 1) * M);
        for (let j = 0; j < M; j++) comp[j] = 1 - row[j];
        weights[n++] = w;
      }
      // Next combination in lexicographic order (itertools.combinations).
      let i = s - 1;
      while (i >= 0 && idx[i] === M - s + i) i--;
      if (i < 0) break;
      idx[i]++;
      for (let k = i + 1; k < s; k++) idx[k] = idx[k - 1] + 1;
    }
  }
  const fixed = n;
  const counts = new Float64Array(nsamples);

  // Sampled sizes.
  let samplesLeft = nsamples - n;
  if (numFull !== numSubsetSizes && samplesLeft > 0) {
    const rw = Float64Array.from(weightVector);
    for (let i = 0; i < numPaired; i++) rw[i] /= 2;
    const sizes = rw.subarray(numFull);
    const cdf = new Float64Array(sizes.length);
    let acc = 0;
    for (let i = 0; i < sizes.length; i++) cdf[i] = acc += sizes[i];
    for (let i = 0; i < cdf.length; i++) cdf[i] /= acc;
    cdf[cdf.length - 1] = 1;
    const perm = new Int32Array(M);
    for (let i = 0; i < M; i++) perm[i] = i;
    const used = new Map<string, number>();
    const draws = 4 * samplesLeft;
    const row = new Uint8Array(M);
    const comp = new Uint8Array(M);
    for (let d = 0; d < draws && samplesLeft > 0; d++) {
      const u = rng.nextDouble();
      let lo = 0;
      let hi = cdf.length - 1;
      while (lo < hi) {
        const mid = (lo + hi) >> 1;
        if (u < cdf[mid]) hi = mid;
        else lo = mid + 1;
      }
      const s = lo + numFull + 1;
      // A uniformly random s-subset: partial Fisher–Yates on the running permutation.
      row.fill(0);
      for (let i = 0; i < s; i++) {
        const j = i + rng.nextInt(M - i);
        const t = perm[i];
        perm[i] = perm[j];
        perm[j] = t;
        row[perm[i]] = 1;
      }
      const key = Buffer.from(row.buffer, row.byteOffset, M).toString('latin1');
      const at = used.get(key);
      const isNew = at === undefined;
      if (isNew) {
        used.set(key, n);
        masks.set(row, n * M);
        weights[n++] = 1;
        samplesLeft--;
      } else {
        weights[at] += 1;
      }
      if (samplesLeft > 0 && s <= numPaired) {
        if (isNew) {
          for (let j = 0; j < M; j++) comp[j] = 1 - row[j];
          masks.set(comp, n * M);
          weights[n++] = 1;
          samplesLeft--;
        } else {
          weights[at + 1] += 1;
        }
      }
    }
    counts.set(weights.subarray(fixed, n), fixed);
    let weightLeft = 0;
    for (let i = numFull; i < numSubsetSizes; i++) weightLeft += weightVector[i];
    let sum = 0;
    for (let i = fixed; i < n; i++) sum += weights[i];
    if (sum > 0) for (let i = fixed; i < n; i++) weights[i] *= weightLeft / sum;
  }
  return { masks: masks.subarray(0, n * M), weights: weights.subarray(0, n), n, fixed, counts: counts.subarray(0, n) };
}

/**
 * Kernel SHAP values of the explained outputs. `maxEvals` (≥ 3, or ≥ 2 for one player) bounds the
 * coalitions sent to the game, f(∅) and f(all) included; with maxEvals ≥ 2^M every coalition is used and
 * the result equals the exact Shapley values (up to rounding, without L1 selection).
 */
export async function kernelShap(game: ShapGame, options: KernelShapOptions): Promise<ShapValues> {
  checkRunOptions(game, options, 1);
  const M = game.players;
  const min = M === 1 ? 2 : 3;
  if (options.maxEvals < min)
    throw new RangeError(
      `maxEvals = ${options.maxEvals} is too small for Kernel SHAP with M = ${M} players: it needs at least ${min} ` +
        `(f(∅) and f(all)${M === 1 ? '' : ' plus one sampled coalition'})`,
    );
  const params = resolveL1(options.l1);
  params.zeroTol = 0;
  const L = options.explained.length;
  const { base, full } = await evaluateEnds(game, options);
  const delta = new Float64Array(L);
  for (let l = 0; l < L; l++) delta[l] = full[l] - base[l];
  if (M === 1) return { values: Float64Array.from(delta), base, full, evaluations: 2 };

  const nsamples = Math.min(options.maxEvals - 2, M <= 30 ? 2 ** M - 2 : Infinity);
  const { masks, weights, n } = kernelSamples(M, nsamples, new Rng(options.seed));
  const y = await evaluateExplained(game, masks, n, options.batchSize, options.explained);
  for (let i = 0; i < n; i++) for (let l = 0; l < L; l++) y[i * L + l] -= base[l];
  const values = new Float64Array(L * M);
  await binding.kernelShapSolve(masks, n, M, weights, y, L, delta, params, values);
  return { values, base, full, evaluations: 2 + n };
}

/** KernelExplainer's algorithm, registered in registry.ts. */
export const kernel = {
  name: 'kernel',
  summary: 'KernelExplainer: enumerated and paired coalitions, Shapley-kernel weights, a constrained WLS solve (optional l1)',
  defaultFeatures: 'superpixels',
  defaultBatchSize: 64,
  defaultMaxEvals: defaultKernelMaxEvals,
  defaultMaxEvalsText: '2M + 2048 capped at 2^M',
  maxPlayers: { limit: 4096, why: 'a weighted least-squares solve over M players' },
  options: ['l1', ...SHAP_ADAPTIVE_OPTIONS],
  adaptive: { minEvals: () => 3 },
  // Every coalition is kept (M bytes); Kernel never draws more than the 2^M there are.
  bookkeepingBytes: (players: number) => players,
  mostEvals: (players: number) => (players <= 30 ? 2 ** players : Infinity),
  cacheAll: false,
  run: ({ game, run, options }) =>
    (run.adaptive ? kernelShapAuto : kernelShap)(game, { ...run, l1: (options.l1 as KernelL1 | undefined) ?? false }),
} as const satisfies ShapAlgorithmSpec;
