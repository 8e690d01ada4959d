// SPDX-License-Identifier: MIT
/**
 * SHAP for images (`explainer.shap()`): the same mathematics as Python's shap — Partition (Owen
 * values over a hierarchy, shap's default for images), Kernel, Permutation and exact Shapley values —
 * seeded, batched, with every coalition composited natively and identical coalitions evaluated once.
 * Features are pixels (channels kept together; shap's axis-aligned partition tree) or superpixels
 * (segments of `segment()`; for Partition, a hierarchy merging adjacent segments by colour).
 */
import { performance } from 'node:perf_hooks';
import { maskEvaluator } from './mask-evaluator';
import { StageTimer } from './stage-clock';
import type { Compositing } from './engine';
import { backgroundImage, resolveBackground, type Background, type BackgroundSpec } from './background';
import type { RgbImage } from './image';
import type { Model } from './model';
import type { ResolvedPreprocess } from './preprocess';
import { resolveShapAdaptive, type ShapPrecision } from './shap/adaptive';
import type { ShapAlgorithmSpec } from './shap/algorithm';
import { cachedGame } from './shap/cache';
import { algorithmOptions, SHAP_ALGORITHMS, shapAlgorithm, type ShapAlgorithm } from './shap/registry';
import type { PartitionTree } from './shap/tree';
import { DEFAULT_TOP_LABELS } from './lime';
import { topK } from './rank';
import { DEFAULT_SEED } from './rng';
import { resolveSegmentation, type Segmentation, type SegmentOptions } from './segment';
import { throwIfAborted, type RunControl, type RunControlOptions } from './run-control';
import { checkChoice, checkNumber, checkOptions, optionalNumber, optionalSeed, rangeError, typeError } from './validate';

export { SHAP_ALGORITHMS, type ShapAlgorithm };

/** SHAP's name for a {@link BackgroundSpec}: what masked features show. */
export type MaskerSpec = BackgroundSpec;

/** Options of `explainer.shap()`. */
export interface ShapOptions extends RunControlOptions {
  /** A registered algorithm (lib/shap/registry.ts): 'partition' (default, as shap.Explainer picks for images), 'kernel', 'permutation' or 'exact'. */
  algorithm?: ShapAlgorithm;
  /**
   * Budget of model evaluations (coalitions), the two base evaluations included; never exceeded.
   * Defaults: partition 500 (as shap), permutation 500, kernel 2M + 2048 capped at 2^M (shap's
   * nsamples='auto'), exact 2^M. Partition spends 2 per expansion, so an odd budget leaves one
   * evaluation unspent (maxEvals − 1); shap spends maxEvals + 1 there, so shap at an odd B gives
   * our values at B + 1.
   *
   * 'auto' (kernel and permutation only): evaluate in rounds of `roundSize` and stop at the first
   * round whose largest standard error is at most `errorTarget` × the largest |value| (over all
   * explained classes), or at `maxEvalsLimit` (see lib/shap/adaptive.ts). The result reports the
   * evaluations spent, `precision`, and as `maxEvals` the fixed budget that gives the same values.
   */
  maxEvals?: number | 'auto';
  /** With maxEvals 'auto' only: largest standard error / largest |value| to stop at, in (0, 1]. Default 0.2. */
  errorTarget?: number;
  /** With maxEvals 'auto' only: most evaluations, >= roundSize. Default 4 × the algorithm's fixed default budget. */
  maxEvalsLimit?: number;
  /** With maxEvals 'auto' only: evaluations per round, the first included, >= 3 and >= maxEvalsLimit / 100 (Permutation: whole permutations, at least two). Default 500. */
  roundSize?: number;
  /**
   * Coalitions per evaluation round (model batches are filled from them). Default: 10 for
   * 'partition' (shap's batch_size='auto' with an image masker), 64 for the others.
   *
   * For 'partition' this is part of the result, not only of the speed: each round expands the
   * ⌈batchSize/2⌉ best nodes of the queue (2 coalitions each, so an odd batchSize sends
   * batchSize + 1, as shap) before their children's priorities are known, so another batch size
   * changes the order of expansions and, short of the full recursion, the values (batch 64 instead
   * of 10 moved them by up to 3% of the largest value on the 64 px reference photos at 500
   * evaluations). The default gives shap's numbers; a larger batch (e.g. 64) fills model batches
   * better and runs faster, at the price of values that differ from shap's default ones. For the
   * other algorithms the values do not depend on it.
   */
  batchSize?: number;
  /** Seed of sampling, coalitions and tie-breaks. Default 42. */
  seed?: number;
  /** Explain the k most probable classes. Default 5 (or all when fewer). Ignored when `labels` is given. */
  topLabels?: number;
  /** Explain these class indices. */
  labels?: number[];
  /** What masked features show (see {@link BackgroundSpec}). Default 'blur(128,128)', as shap's Image masker. */
  masker?: MaskerSpec;
  /** 'pixels' (default for partition) or 'superpixels' (default for kernel, permutation, exact). */
  features?: 'pixels' | 'superpixels';
  /** Superpixels: options for `segment()` (default quickshift with LIME's parameters) or a ready Segmentation. */
  segmentation?: SegmentOptions | Segmentation;
  /** Partition with superpixels: your own hierarchy instead of merging adjacent segments by colour. */
  hierarchy?: PartitionTree;
  /** Kernel: L1 feature selection: false (default; note shap >= 0.47 silently keeps only 10 features), 'num-features(k)', an alpha, 'aic' or 'bic'. */
  l1?: false | number | 'aic' | 'bic' | `num-features(${number})`;
}

export interface ShapExplanation {
  index: number;
  label: string;
  /** The model's output for this class on the image. */
  probability: number;
  /** The output with every feature masked: Σ values = probability − baseValue. */
  baseValue: number;
  /** Attribution per pixel (H × W, model-sized); a superpixel's value is spread evenly over its pixels. */
  values: Float32Array;
  /** Attribution per superpixel, when features are superpixels. */
  segmentValues?: Float64Array;
  /** Standard error per feature (permutation; kernel with maxEvals 'auto', by bootstrap). */
  standardErrors?: Float64Array;
}

export interface ShapResult {
  explanations: ShapExplanation[];
  /** The model-sized image explained. */
  image: RgbImage;
  /** The superpixels used, when features are superpixels. */
  segmentation?: Segmentation;
  algorithm: ShapAlgorithm;
  features: 'pixels' | 'superpixels';
  /** What masked features showed (the checked `masker` option; `evaluate()` uses it as its substrate). */
  masker: Background;
  /** Model evaluations run (distinct coalitions). */
  evaluations: number;
  /** The budget the algorithm worked to (with maxEvals 'auto': the fixed budget that gives these values). */
  maxEvals: number;
  /** With maxEvals 'auto' only: the precision reached, the target, the rounds and the limit. */
  precision?: ShapPrecision;
  seed: number;
  provider: string;
  /** Where the perturbed images were composited (the explainer's `compositing`). */
  compositing: Compositing;
  /**
   * Bytes of model input handed to onnxruntime for this explanation (what crosses to a GPU): with
   * `'native'` compositing, evaluations × 3·H·W × 4 (2 for float16); with `'graph'`, evaluations ×
   * segments, plus the label map (H·W up to 256 segments, 2·H·W up to 65536), image and background
   * (3·H·W each) once per run.
   */
  inputBytes: number;
  /**
   * Milliseconds per stage, each the stage's own time: segment (superpixels; with pixel features
   * the player indices); composite (native compositing, overlapped with infer); infer (inside
   * model.run); evaluate (the batch engine's time on this image's samples: compositing waited for,
   * then inference); solve (the algorithm's own work between its evaluations); total (the call's
   * wall time less `wait.total`). `wait` holds, per stage, the time it spent waiting for other work
   * sharing the model — other images' samples in the batch engine, other images' model runs
   * blocking the main thread — so a stage's wall time is its own time + its wait (0 when the image
   * ran alone; see stage-clock.ts).
   */
  timings: {
    segment: number;
    composite: number;
    infer: number;
    evaluate: number;
    solve: number;
    total: number;
    wait: { segment: number; evaluate: number; solve: number; total: number };
  };
}

/** Options every algorithm takes; each algorithm adds its own (ShapAlgorithmSpec.options). */
const COMMON = ['algorithm', 'maxEvals', 'batchSize', 'seed', 'topLabels', 'labels', 'masker', 'features', 'segmentation'];

/** Largest `maxEvals` accepted (10^8 evaluations: about 33 hours of MobileNetV2 on 2 CPU cores). */
export const MAX_EVALS = 1e8;

/** Most bytes an algorithm's coalition bookkeeping may take (2 GiB): see ShapAlgorithmSpec.bookkeepingBytes. */
const MAX_SHAP_BYTES = 2 ** 31;

/**
 * Refuses a budget whose bookkeeping (Kernel keeps every coalition, Permutation caches every
 * coalition with its outputs) would pass {@link MAX_SHAP_BYTES}, before evaluating it, rather than
 * run out of memory hours later.
 */
function checkShapMemory(algorithm: ShapAlgorithmSpec, maxEvals: number, M: number, K: number): void {
  const perEval = algorithm.bookkeepingBytes(M, K);
  if (perEval === 0) return;
  const most = Math.floor(MAX_SHAP_BYTES / perEval);
  const used = Math.min(maxEvals, algorithm.mostEvals?.(M) ?? Infinity);
  if (used > most)
    throw rangeError(
      'maxEvals',
      `at most ${most} for algorithm '${algorithm.name}' with ${M} features and ${K} classes (2 GiB of coalitions)`,
      maxEvals,
    );
}

/** Every option `explainer.shap()` takes: the common ones and each registered algorithm's own. */
export function shapOptionKeys(): string[] {
  return [...COMMON, ...algorithmOptions().keys()];
}

/**
 * Checks every option that does not depend on the image (TypeError/RangeError naming it) and fills
 * the defaults: what `runShap` does before any segmentation or model call, and what `evaluate()`
 * runs on its re-explanations' options up front. Budget options that depend on the feature count
 * (maxEvals against the algorithm's minimum, 'auto''s limits) are checked once the features exist.
 */
export function resolveShapOptions(options: ShapOptions | undefined) {
  const owners = algorithmOptions();
  const o = checkOptions('options', options, shapOptionKeys()) as ShapOptions;
  const algorithmName = o.algorithm === undefined ? SHAP_ALGORITHMS[0] : checkChoice('algorithm', o.algorithm, SHAP_ALGORITHMS);
  const algorithm = shapAlgorithm(algorithmName);
  const features =
    o.features === undefined ? algorithm.defaultFeatures : checkChoice('features', o.features, ['pixels', 'superpixels'] as const);
  const seed = optionalSeed('seed', o.seed, DEFAULT_SEED);
  // Partition's default is shap's: its batch changes the order of expansions (see ShapOptions.batchSize).
  const batchSize = optionalNumber('batchSize', o.batchSize, algorithm.defaultBatchSize, { integer: true, min: 2, max: 65536 });
  if (o.topLabels !== undefined) checkNumber('topLabels', o.topLabels, { integer: true, min: 1 });
  if (o.labels !== undefined && (!Array.isArray(o.labels) || o.labels.length === 0))
    throw typeError('labels', 'a non-empty array of class indices', o.labels);
  o.labels?.forEach((l, i) => checkNumber(`labels[${i}]`, l, { integer: true, min: 0 }));
  for (const [name, algorithms] of owners) {
    if ((o as Record<string, unknown>)[name] !== undefined && !algorithms.includes(algorithm.name))
      throw rangeError(name, `only with algorithm ${algorithms.map((a) => `'${a}'`).join(' or ')}`, (o as Record<string, unknown>)[name]);
  }
  algorithm.validate?.(o as Record<string, unknown>, features);
  const background = resolveBackground('masker', o.masker ?? 'blur(128,128)');
  return { o, algorithm, features, seed, batchSize, background };
}

/** Runs SHAP on a model-sized image. Called by `Explainer.shap()`. */
export async function runShap(
  model: Model,
  pre: ResolvedPreprocess,
  rgb: RgbImage,
  options: ShapOptions | undefined,
  classNames: (i: number) => string,
  control: RunControl = {},
): Promise<ShapResult> {
  const timer = new StageTimer(['segment', 'evaluate', 'solve'] as const);
  const { o, algorithm, features, seed, batchSize, background } = resolveShapOptions(options);
  throwIfAborted(control.signal);

  // Features: superpixels (a segmentation) or pixels (each pixel its own player).
  if (features !== 'superpixels' && o.segmentation !== undefined)
    throw rangeError('segmentation', "only with features 'superpixels'", 'a segmentation');
  const seg = features === 'superpixels' ? await timer.time('segment', () => resolveSegmentation(rgb, o.segmentation, seed)) : undefined;
  let labels: Int32Array;
  let M: number;
  if (seg) {
    labels = seg.labels;
    M = seg.count;
  } else {
    const t0 = performance.now();
    M = rgb.width * rgb.height;
    labels = Int32Array.from({ length: M }, (_, i) => i);
    timer.own.segment += performance.now() - t0; // synchronous: nothing else ran meanwhile
  }

  // Budget.
  if (algorithm.maxPlayers !== undefined && M > algorithm.maxPlayers.limit) {
    if (features === 'pixels')
      throw rangeError('features', `'superpixels' for algorithm '${algorithm.name}' (pixel features make ${M} players)`, 'pixels');
    throw rangeError(
      'features',
      `at most ${algorithm.maxPlayers.limit} features for algorithm '${algorithm.name}' (${algorithm.maxPlayers.why})`,
      `${M} features`,
    );
  }
  const adaptive = resolveShapAdaptive(o as Record<string, unknown>, algorithm, M, MAX_EVALS);
  // With 'auto', the limit: what the memory check and the algorithm's minimum apply to.
  const maxEvals =
    adaptive?.maxEvalsLimit ??
    optionalNumber('maxEvals', o.maxEvals, algorithm.defaultMaxEvals(M), { integer: true, min: 2, max: MAX_EVALS });

  const hide = await backgroundImage('masker', background, rgb, seg?.labels, M);
  // Planned: maxEvals (with 'auto', its limit); the image's own row counts too.
  const evaluator = maskEvaluator(model, pre, rgb, hide, labels, M, { dedupe: false, control, planned: () => maxEvals });
  timer.use(evaluator.stats);
  const game = cachedGame(
    M,
    (m, n) => evaluator.evaluate(m, n),
    () => evaluator.classes(),
    algorithm.cacheAll,
  );

  // The classes to explain come from f(image), the full coalition (cached: the algorithms need it too).
  const fx = await timer.time('evaluate', () => game.evaluate(new Uint8Array(M).fill(1), 1));
  const K = fx.length;
  o.labels?.forEach((l, i) => {
    if (l >= K) throw rangeError(`labels[${i}]`, `a class index below ${K}`, l);
  });
  if (o.topLabels !== undefined && o.topLabels > K) throw rangeError('topLabels', `at most ${K} (the model's classes)`, o.topLabels);
  checkShapMemory(algorithm, maxEvals, M, K);
  const explained = o.labels ?? topK(fx, o.topLabels ?? Math.min(DEFAULT_TOP_LABELS, K));
  const run = { explained, maxEvals, seed, batchSize, ...(adaptive ? { adaptive } : {}) };

  // The algorithm's evaluations count to evaluate, the rest of its time (its own work) to solve.
  const result = await timer.split('evaluate', 'solve', () =>
    algorithm.run({ game, run, options: o as Record<string, unknown>, features, rgb, labels, players: M }),
  );

  const pixels = rgb.width * rgb.height;
  const sizes = new Float64Array(M);
  if (seg) for (let p = 0; p < pixels; p++) sizes[labels[p]]++;
  const explanations: ShapExplanation[] = explained.map((index, j) => {
    const phi = result.values.subarray(j * M, (j + 1) * M);
    const values = new Float32Array(pixels);
    for (let p = 0; p < pixels; p++) values[p] = seg ? phi[labels[p]] / sizes[labels[p]] : phi[p];
    const e: ShapExplanation = { index, label: classNames(index), probability: fx[index], baseValue: result.base[j], values };
    if (seg) e.segmentValues = Float64Array.from(phi);
    if (result.standardErrors) e.standardErrors = result.standardErrors.slice(j * M, (j + 1) * M);
    return e;
  });
  return {
    explanations,
    image: rgb,
    segmentation: seg,
    algorithm: algorithm.name as ShapAlgorithm,
    features,
    masker: background,
    evaluations: evaluator.stats.evaluations,
    compositing: evaluator.compositing,
    inputBytes: evaluator.stats.inputBytes,
    maxEvals: result.maxEvals ?? maxEvals,
    ...(result.precision ? { precision: result.precision } : {}),
    seed,
    provider: model.provider,
    timings: timer.timings(evaluator.stats),
  };
}
