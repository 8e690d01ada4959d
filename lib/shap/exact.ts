// SPDX-License-Identifier: MIT
/**
 * Exact Shapley values by brute force over all 2^M coalitions: the oracle the sampled algorithms are
 * tested against, and a practical choice for a handful of players. Also the small helpers every SHAP
 * algorithm shares (option checks, chunked evaluation of the selected outputs).
 */
import { checkNumber, optionalSeed, rangeError, typeError } from '../validate';
import type { ShapAlgorithmSpec } from './algorithm';
import type { ShapGame, ShapRunOptions, ShapValues } from './game';

/** The largest M {@link exactShap} accepts (2^20 ≈ 1M coalitions). */
export const EXACT_MAX_PLAYERS = 20;

/** Checks the options every algorithm shares (explained indices are checked against K later). */
export function checkRunOptions(game: ShapGame, options: ShapRunOptions, minEvals: number): void {
  if (typeof game !== 'object' || game === null || typeof game.evaluate !== 'function') throw typeError('game', 'a ShapGame', game);
  checkNumber('game.players', game.players, { integer: true, min: 1 });
  if (typeof options !== 'object' || options === null) throw typeError('options', 'an object', options);
  if (!Array.isArray(options.explained) || options.explained.length === 0)
    throw typeError('explained', 'a non-empty array of output indices', options.explained);
  options.explained.forEach((e, i) => checkNumber(`explained[${i}]`, e, { integer: true, min: 0 }));
  checkNumber('maxEvals', options.maxEvals, { integer: true, min: minEvals });
  checkNumber('batchSize', options.batchSize, { integer: true, min: 1 });
  optionalSeed('seed', options.seed, 0);
}

/**
 * Evaluates n coalitions (n × M bytes) through game.evaluate, at most batchSize per call, and returns
 * the explained outputs only: n × L doubles, row-major.
 */
export async function evaluateExplained(
  game: ShapGame,
  masks: Uint8Array,
  n: number,
  batchSize: number,
  explained: readonly number[],
): Promise<Float64Array> {
  const M = game.players;
  const L = explained.length;
  const out = new Float64Array(n * L);
  for (let start = 0; start < n; start += batchSize) {
    const count = Math.min(batchSize, n - start);
    const y = await game.evaluate(masks.subarray(start * M, (start + count) * M), count);
    if (y.length % count !== 0 || y.length === 0) throw new Error(`game.evaluate returned ${y.length} values for ${count} coalitions`);
    const K = y.length / count;
    for (const e of explained) if (e >= K) throw rangeError('explained', `output indices below ${K} (the game's outputs)`, e);
    for (let i = 0; i < count; i++) {
      const row = (start + i) * L;
      for (let l = 0; l < L; l++) out[row + l] = y[i * K + explained[l]];
    }
  }
  return out;
}

/** f(no player) and f(all players) for the explained outputs: the two evaluations every algorithm starts with. */
export async function evaluateEnds(game: ShapGame, options: ShapRunOptions): Promise<{ base: Float64Array; full: Float64Array }> {
  const M = game.players,
    L = options.explained.length;
  const ends = new Uint8Array(2 * M);
  ends.fill(1, M);
  const f = await evaluateExplained(game, ends, 2, options.batchSize, options.explained);
  return { base: f.slice(0, L), full: f.slice(L, 2 * L) };
}

/**
 * Exact Shapley values: evaluates every coalition (2^M evaluations, whatever options.maxEvals says;
 * M ≤ {@link EXACT_MAX_PLAYERS}) and applies the subset formula
 * φ_j = Σ_{S ∌ j} |S|!(M−|S|−1)!/M! · (v(S ∪ {j}) − v(S)). Coalition S is the integer whose bit j
 * says whether player j is present; they are sent to the game in that order, batchSize per call.
 * `seed` is unused (nothing is random); `maxEvals` is not a limit here.
 */
export async function exactShap(game: ShapGame, options: ShapRunOptions): Promise<ShapValues> {
  if (typeof game === 'object' && game !== null && Number.isInteger(game.players) && game.players > EXACT_MAX_PLAYERS)
    throw new RangeError(
      `exact SHAP evaluates all 2^M coalitions: M = ${game.players} players is more than the limit of ${EXACT_MAX_PLAYERS}`,
    );
  checkRunOptions(game, options, 1);
  const M = game.players;
  const L = options.explained.length;
  const count = 2 ** M;
  const v = new Float64Array(count * L);
  // Build and evaluate in slices, so the masks of 2^20 coalitions never exist at once.
  const slice = Math.max(options.batchSize, 1 << 12);
  for (let start = 0; start < count; start += slice) {
    const n = Math.min(slice, count - start);
    const masks = new Uint8Array(n * M);
    for (let i = 0; i < n; i++) {
      const s = start + i;
      for (let j = 0; j < M; j++) masks[i * M + j] = (s >>> j) & 1;
    }
    v.set(await evaluateExplained(game, masks, n, options.batchSize, options.explained), start * L);
  }
  // weight(s) = s!(M−s−1)!/M! = 1 / (M · C(M−1, s)).
  const weight = new Float64Array(M);
  let binom = 1;
  for (let s = 0; s < M; s++) {
    weight[s] = 1 / (M * binom);
    binom = (binom * (M - 1 - s)) / (s + 1);
  }
  const values = new Float64Array(L * M);
  const popcount = (x: number) => {
    let c = 0;
    while (x) {
      x &= x - 1;
      c++;
    }
    return c;
  };
  for (let s = 0; s < count; s++) {
    const w = weight[popcount(s)] ?? 0;
    for (let j = 0; j < M; j++) {
      if (s & (1 << j)) continue;
      const t = s | (1 << j);
      for (let l = 0; l < L; l++) values[l * M + j] += w * (v[t * L + l] - v[s * L + l]);
    }
  }
  return {
    values,
    base: v.slice(0, L),
    full: v.slice((count - 1) * L, count * L),
    evaluations: count,
  };
}

/** Exact Shapley values, registered in registry.ts. */
export const exact = {
  name: 'exact',
  summary: `every one of the 2^M coalitions (M <= ${EXACT_MAX_PLAYERS})`,
  defaultFeatures: 'superpixels',
  defaultBatchSize: 64,
  defaultMaxEvals: (players: number) => 2 ** players,
  defaultMaxEvalsText: '2^M',
  maxPlayers: { limit: EXACT_MAX_PLAYERS, why: '2^M evaluations' },
  options: [],
  bookkeepingBytes: () => 0,
  cacheAll: false,
  run: ({ game, run }) => exactShap(game, run),
} as const satisfies ShapAlgorithmSpec;
