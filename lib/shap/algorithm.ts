// SPDX-License-Identifier: MIT
/**
 * What a SHAP algorithm declares to be registered (registry.ts): its name, defaults, limits, own
 * options and the function that runs it. `runShap` (lib/shap.ts) is generic over these, so adding an
 * algorithm is one file exporting a {@link ShapAlgorithmSpec} plus one line in registry.ts.
 */
import type { RgbImage } from '../image';
import type { ShapGame, ShapRunOptions, ShapValues } from './game';

/** What `runShap` hands an algorithm. */
export interface ShapAlgorithmContext {
  /** The value function: coalitions of `players` features → model outputs. */
  game: ShapGame;
  /** Explained outputs, budget, seed, batch size. */
  run: ShapRunOptions;
  /** The caller's options: an algorithm reads (and checks) its own ones, named in `options`. */
  options: Readonly<Record<string, unknown>>;
  /** Pixels (each pixel a player) or superpixels (each segment a player). */
  features: 'pixels' | 'superpixels';
  /** The model-sized image, and each pixel's player (identity for pixel features). */
  rgb: RgbImage;
  labels: Int32Array;
  players: number;
}

export interface ShapAlgorithmSpec {
  /** The `algorithm` option's value. */
  readonly name: string;
  /** One line for usage texts and docs. */
  readonly summary: string;
  /** Features when the caller names none. */
  readonly defaultFeatures: 'pixels' | 'superpixels';
  /** Coalitions per evaluation round when the caller names no `batchSize`. */
  readonly defaultBatchSize: number;
  /** The default budget for M players, and how docs and usage describe it. */
  defaultMaxEvals(players: number): number;
  readonly defaultMaxEvalsText: string;
  /** Most players it accepts, with the reason (checked before any evaluation). */
  readonly maxPlayers?: { readonly limit: number; readonly why: string };
  /** Option names only this algorithm takes (others reject them). */
  readonly options: readonly string[];
  /** Bytes of bookkeeping per evaluation with M players and K outputs (refused past 2 GiB). */
  bookkeepingBytes(players: number, outputs: number): number;
  /** The most evaluations it ever spends with M players, whatever the budget (default: the budget). */
  mostEvals?(players: number): number;
  /**
   * Present when the algorithm takes `maxEvals: 'auto'` (lib/shap/adaptive.ts; it then reads
   * ShapRunOptions.adaptive): the fewest evaluations of a round with M players.
   */
  readonly adaptive?: { minEvals(players: number): number };
  /** Checks this algorithm's own options before any work (optional; `run` may check more). */
  validate?(options: Readonly<Record<string, unknown>>, features: 'pixels' | 'superpixels'): void;
  /** Whether every coalition is worth caching (its passes revisit them), not only the two ends. */
  readonly cacheAll: boolean;
  run(ctx: ShapAlgorithmContext): Promise<ShapValues>;
}
