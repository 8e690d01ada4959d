// SPDX-License-Identifier: MIT
import type { ShapAdaptiveBudget, ShapPrecision } from './adaptive';

/**
 * The cooperative game every SHAP algorithm plays: `players` features (superpixels, or pixels with
 * their channels kept together), and a value function that evaluates coalitions in batches.
 * Algorithms never see images or models, only this interface, so tests can play them on exact
 * closed-form games too.
 */

export interface ShapGame {
  /** Number of players M. */
  readonly players: number;
  /**
   * Outputs for `n` coalitions: `masks` is n × M bytes (1 = player present, i.e. its pixels shown;
   * 0 = masked). Returns n × K values, row-major, K = {@link ShapGame.outputs}.
   */
  evaluate(masks: Uint8Array, n: number): Promise<Float32Array | Float64Array>;
  /** Number of outputs K per coalition (known once something was evaluated, or fixed). */
  outputs(): number;
}

/** What every algorithm returns. */
export interface ShapValues {
  /** L × M attributions (L explained outputs, row-major), in the order of `explained`. */
  values: Float64Array;
  /** f(all players) for each explained output (L). */
  full: Float64Array;
  /** f(no player) for each explained output (L): the base value. */
  base: Float64Array;
  /** Model evaluations spent (coalitions sent to the game, the two base ones included). */
  evaluations: number;
  /** Standard error per value (L × M), for sampling algorithms that estimate it (permutation; kernel with 'auto'). */
  standardErrors?: Float64Array;
  /** With an adaptive budget: the precision reached, and the fixed `maxEvals` that gives the same values. */
  precision?: ShapPrecision;
  maxEvals?: number;
}

/** Options common to the algorithms. */
export interface ShapRunOptions {
  /** Output indices to explain (L of them). */
  explained: number[];
  /** Budget of coalition evaluations, the two base evaluations included (with `adaptive`, its limit). */
  maxEvals: number;
  /** `maxEvals: 'auto'`: evaluate in rounds until the precision target (algorithms with an adaptive mode only). */
  adaptive?: ShapAdaptiveBudget;
  /** Seed of every random choice (sampling, tie-breaks). */
  seed: number;
  /**
   * Coalitions per evaluate() call (larger is faster; memory grows with it). For Partition it also
   * sets which nodes each round expands, and so the values (see partition.ts).
   */
  batchSize: number;
}
