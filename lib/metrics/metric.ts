// SPDX-License-Identifier: MIT
/**
 * What a quality metric declares to be listed in registry.ts: its name, its own options (with
 * defaults and checks, read by validation before any model call) and `run`, which measures every
 * explained class of one result from the shared {@link MetricContext}.
 */
import type { MaskEvaluator } from '../mask-evaluator';
import type { Model } from '../model';

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
   * pixels for pixel-level SHAP), in `classes` order. With `model`, explains with that model instead
   * (same preprocessing).
   */
  explainAgain(seed: number, model?: Model): Promise<Float64Array[]>;
  /** The attributions of the evaluated result, as `explainAgain` returns them. */
  original: Float64Array[];
  /** The seed the result was explained with (its recorded `seed`), else `seed`. */
  resultSeed: number;
  /** The explained model's source; undefined for a predict function's explainer (it has no ONNX bytes). */
  source?: ModelSource;
}

/** Where the explained model came from, for metrics that rewrite it (the randomisation check). */
export interface ModelSource {
  /** The model's `.onnx` bytes (read again from its file, or the explainer's own copy). */
  bytes(): Promise<Uint8Array>;
  /** Loads other model bytes with the explainer's load options; the caller disposes the model. */
  load(bytes: Uint8Array): Promise<Model>;
}

/**
 * A registered metric; `run` returns one value per explained class, in `context.classes` order.
 * `prepare`, when present, runs after the options are checked and before any model call (so what it
 * refuses costs nothing); what it returns is given to `run` as `prepared`.
 */
export interface MetricSpec {
  name: string;
  summary: string;
  params: readonly MetricParam[];
  /** false: run only when asked for in `metrics`. Default true. */
  byDefault?: boolean;
  prepare?(source: ModelSource | undefined, params: Record<string, unknown>, seed: number): Promise<unknown>;
  run(context: MetricContext, params: Record<string, unknown>, prepared?: unknown): Promise<unknown[]>;
}
