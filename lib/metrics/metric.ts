// SPDX-License-Identifier: MIT
/**
 * What a quality metric declares to be listed in registry.ts: its name, its own options (with
 * defaults and checks, read by validation before any model call) and `run`, which measures every
 * explained class of one result from the shared {@link MetricContext}.
 */
import type { MaskEvaluator } from '../evaluate';

/** One option of a metric: checked (TypeError/RangeError naming it) or defaulted before any model call. */
export interface MetricParam {
  name: string;
  summary: string;
  /** The value when the option is not given. */
  default: unknown;
  /** Returns the checked value or throws naming the option; `features` is the explanation's feature count. */
  check: (value: unknown, features: number) => unknown;
}

/**
 * Features the metrics switch between the image and the substrate: segments, or for pixel-level
 * SHAP, chunks of pixels ranked by value. `evaluate` takes masks over these features (1 = image,
 * 0 = substrate) and returns model outputs (rows × classes).
 */
export interface FeatureSet {
  labels: Int32Array;
  count: number;
  evaluator: MaskEvaluator;
}

/** One explained class, over its feature set. */
export interface ClassFeatures {
  index: number;
  label: string;
  set: FeatureSet;
  /** Attribution per feature (a chunk's is the sum of its pixels' values). */
  phi: Float64Array;
  /** Features by decreasing attribution (ties: lower index first); chunks are already in rank order. */
  order: Int32Array;
}

/** What every metric reads. */
export interface MetricContext {
  classes: ClassFeatures[];
  /** The seed of every random choice (orders, subsets, stability's seeds). */
  seed: number;
  /**
   * Explains the same image again with another seed and the same segmentation and settings;
   * returns each explained class's attributions over the explanation's own features (segments, or
   * pixels for pixel-level SHAP), in `classes` order.
   */
  explainAgain(seed: number): Promise<Float64Array[]>;
  /** The attributions of the evaluated result, as `explainAgain` returns them. */
  original: Float64Array[];
}

/** A registered metric; `run` returns one value per explained class, in `context.classes` order. */
export interface MetricSpec {
  name: string;
  summary: string;
  params: readonly MetricParam[];
  run(context: MetricContext, params: Record<string, unknown>): Promise<unknown[]>;
}
