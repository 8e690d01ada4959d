// SPDX-License-Identifier: MIT
/**
 * LIME for images (lime_image semantics, marcotcr/lime 0.2.0.1): segment the model-sized image,
 * draw on/off vectors over segments (row 0 all on; lime's Bernoulli(0.5) or another registered
 * sampler, lib/samplers/), composite and evaluate them,
 * weight each sample by sqrt(exp(-d²/w²)) of its cosine distance to row 0, and fit a weighted linear
 * surrogate per explained class. Sampling comes from `seed`; results echo it.
 */
import { maskEvaluator } from './mask-evaluator';
import { StageTimer } from './stage-clock';
import type { Compositing } from './engine';
import { backgroundImage, DEFAULT_BLUR_SIZE, resolveBackground, type Background, type BackgroundSpec } from './background';
import type { RgbImage } from './image';
import type { Model } from './model';
import { topK } from './rank';
import { bootstrapStability, MAX_NUM_SAMPLES, resolveAdaptiveBudget, samplesBeforeStop, type LimeStability } from './lime-adaptive';
import { binding, limeFitOutput, type NativeLimeFitOutput } from './native';
import type { ResolvedPreprocess } from './preprocess';
import { DEFAULT_SEED } from './rng';
import { DEFAULT_SAMPLER, drawMasks, SAMPLER_NAMES, type SamplerName } from './samplers/registry';
import { resolveSegmentation, type Segmentation, type SegmentOptions } from './segment';
import { throwIfAborted, type RunControl, type RunControlOptions } from './run-control';
import { checkChoice, checkNumber, checkOptions, optionalNumber, optionalSeed, rangeError, typeError } from './validate';

/** LIME's name for a {@link BackgroundSpec}: what a switched-off segment shows. */
export type HideSpec = BackgroundSpec;

/** Options of `explainer.lime()`. */
export interface LimeOptions extends RunControlOptions {
  /** Segmentation options for `segment()` (default quickshift, kernelSize 4, maxDist 200, ratio 0.2), or a ready Segmentation of the model-sized image. */
  segmentation?: SegmentOptions | Segmentation;
  /**
   * Perturbed samples, row 0 being the image itself. Default 1000, >= 2. 'auto': sample in rounds of
   * `roundSize` until the bootstrap stability of the top-5 segments of the first explained class
   * reaches `stabilityTarget`, or `maxSamples` are taken (see lib/lime-adaptive.ts).
   */
  numSamples?: number | 'auto';
  /** With numSamples 'auto' only: mean top-k Jaccard to stop at, in (0, 1]. Default 0.9. */
  stabilityTarget?: number;
  /** With numSamples 'auto' only: most samples, >= roundSize. Default 4000 (or roundSize if larger). */
  maxSamples?: number;
  /** With numSamples 'auto' only: samples per round, the first included, >= 2. Default 250. */
  roundSize?: number;
  /**
   * What a switched-off segment shows (see {@link BackgroundSpec}): 'mean' (default, its mean
   * colour, as lime), 'black', { color: [r,g,b] }, 'blur' (a `blurSize` window), 'blur(kx,ky)' or
   * { background: image }.
   */
  hide?: HideSpec;
  /** Box-blur window for hide 'blur', in pixels. Default 16. */
  blurSize?: number;
  /**
   * Width of the similarity kernel on cosine distance. Default 0.25 (lime's); range [1e-150, 1e150]
   * (its square must be a normal double). A width so narrow that every perturbed sample gets weight
   * 0 is a RangeError after sampling (the fit would be meaningless).
   */
  kernelWidth?: number;
  /** 'ridge' (default, alpha 1, with intercept, as lime), 'linear' (plain weighted least squares) or 'lasso' (L1, alpha). */
  regressor?: 'ridge' | 'linear' | 'lasso';
  /** Regularisation strength: ridge default 1, lasso default 0.01; >= 0. */
  alpha?: number;
  /** lime's feature selection: 'auto' (default: forward if numFeatures <= 6 else highest-weights), 'none', 'forward', 'highest-weights', 'lasso-path'. */
  featureSelection?: 'auto' | 'none' | 'forward' | 'highest-weights' | 'lasso-path';
  /** Segments kept by feature selection. Default: all. */
  numFeatures?: number;
  /** Explain the k most probable classes, highest first. Default 5 (or all classes when fewer). Ignored when `labels` is given. */
  topLabels?: number;
  /** Explain these class indices instead of the top ones. */
  labels?: number[];
  /**
   * How the perturbation masks are drawn (lib/samplers/): 'bernoulli' (default, lime's i.i.d. fair
   * bits), 'antithetic' (each mask followed by its complement) or 'sobol' (scrambled Sobol points
   * thresholded at 1/2). Row 0 is the image itself for every sampler; all are seeded by `seed`.
   */
  sampler?: SamplerName;
  /** Seed of the perturbations (and of quickshift's noise unless the segmentation names its own). Default 42. */
  seed?: number;
}

/** One explained class. */
export interface LimeExplanation {
  index: number;
  label: string;
  /** The model's output for this class on the unperturbed image. */
  probability: number;
  intercept: number;
  /** One coefficient per segment (0 for segments left out by feature selection). */
  weights: Float64Array;
  /** Segment ids by decreasing |weight|. */
  ranking: Int32Array;
  /** Weighted R² of the surrogate on the samples. */
  score: number;
  /** The surrogate's prediction for the unperturbed image. */
  localPrediction: number;
}

export interface LimeResult {
  explanations: LimeExplanation[];
  /** The model-sized 8-bit RGB image that was explained (what the pictures are drawn on). */
  image: RgbImage;
  /** The model-sized segmentation used. */
  segmentation: Segmentation;
  /** What switched-off segments showed (the checked `hide` option; `evaluate()` uses it as its substrate). */
  hide: Background;
  /** The sampler that drew the masks. */
  sampler: SamplerName;
  seed: number;
  /** Samples used (with numSamples 'auto', where the rounds stopped). */
  numSamples: number;
  /** With numSamples 'auto' only: the stability reached, the target and the rounds. */
  stability?: LimeStability;
  /** Model evaluations run (identical samples are evaluated once). */
  evaluations: number;
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
   * Milliseconds per stage, each the stage's own time: segment; composite (native compositing time,
   * overlapped with infer); infer (inside model.run: session.run and reading its output); evaluate
   * (the batch engine's time on this image's samples: compositing the model had to wait for, then
   * inference, so `evaluate − infer` is the compositing inference did not hide); fit; total (the
   * call's wall time less `wait.total`). `wait` holds, per stage, the time it spent waiting for
   * other work sharing the model — other images' samples in the batch engine, other images' model
   * runs blocking the main thread — so a stage's wall time is its own time + its wait (0 when the
   * image ran alone; see stage-clock.ts).
   */
  timings: {
    segment: number;
    composite: number;
    infer: number;
    evaluate: number;
    fit: number;
    total: number;
    wait: { segment: number; evaluate: number; fit: number; total: number };
  };
}

/** Every option `explainer.lime()` takes. */
export const LIME_OPTION_KEYS: readonly string[] = [
  'segmentation',
  'numSamples',
  'stabilityTarget',
  'maxSamples',
  'roundSize',
  'hide',
  'blurSize',
  'kernelWidth',
  'regressor',
  'alpha',
  'featureSelection',
  'numFeatures',
  'topLabels',
  'labels',
  'sampler',
  'seed',
];

/** Validates LIME options and fills the defaults. */
export function resolveLimeOptions(options: LimeOptions | undefined, classes: number) {
  const o = checkOptions('options', options, LIME_OPTION_KEYS) as LimeOptions;
  const regressor = o.regressor === undefined ? 'ridge' : checkChoice('regressor', o.regressor, LIME_REGRESSORS);
  const featureSelection =
    o.featureSelection === undefined
      ? 'auto'
      : checkChoice('featureSelection', o.featureSelection, ['auto', 'none', 'forward', 'highest-weights', 'lasso-path'] as const);
  let labels: number[] | undefined;
  if (o.labels !== undefined) {
    if (!Array.isArray(o.labels) || o.labels.length === 0) throw typeError('labels', 'a non-empty array of class indices', o.labels);
    labels = o.labels.map((l, i) => checkNumber(`labels[${i}]`, l, { integer: true, min: 0, max: classes - 1 }));
  }
  const adaptive = resolveAdaptiveBudget(o);
  return {
    // With 'auto', the most samples the rounds may take (what is drawn and checked for memory).
    numSamples: adaptive
      ? adaptive.maxSamples
      : optionalNumber('numSamples', o.numSamples, DEFAULT_NUM_SAMPLES, { integer: true, min: 2, max: MAX_NUM_SAMPLES }),
    adaptive,
    // Checked here, before any segmentation or model call.
    hide: resolveBackground(
      'hide',
      o.hide ?? 'mean',
      optionalNumber('blurSize', o.blurSize, DEFAULT_BLUR_SIZE, { integer: true, min: 1, max: 4096 }),
    ),
    kernelWidth: optionalNumber('kernelWidth', o.kernelWidth, DEFAULT_KERNEL_WIDTH, { min: 1e-150, max: MAX_KERNEL_WIDTH }),
    regressor,
    alpha: optionalNumber('alpha', o.alpha, regressor === 'lasso' ? 0.01 : regressor === 'ridge' ? 1 : 0, { min: 0, max: 1e300 }),
    featureSelection,
    numFeatures: optionalNumber('numFeatures', o.numFeatures, 100000, { integer: true, min: 1, max: 1e9 }),
    topLabels: o.topLabels === undefined ? undefined : checkNumber('topLabels', o.topLabels, { integer: true, min: 1, max: classes }),
    labels,
    sampler: o.sampler === undefined ? DEFAULT_SAMPLER : checkChoice('sampler', o.sampler, SAMPLER_NAMES),
    seed: optionalSeed('seed', o.seed, DEFAULT_SEED),
    segmentation: o.segmentation,
  };
}

/** LIME's samples per explanation when `numSamples` is not given (lime's default). */
export const DEFAULT_NUM_SAMPLES = 1000;

/** The `regressor` option's values, the default ('ridge', lime's) first. */
export const LIME_REGRESSORS = ['ridge', 'linear', 'lasso'] as const;

/** Widest kernel accepted (beyond it every weight rounds to 1 and the width means nothing). */
export const MAX_KERNEL_WIDTH = 1e150;

/** LIME's kernel width when `kernelWidth` is not given (lime_image's default). */
export const DEFAULT_KERNEL_WIDTH = 0.25;

/** Classes explained when neither `labels` nor `topLabels` is given (lime's `top_labels=5`; SHAP too). */
export const DEFAULT_TOP_LABELS = 5;

/** Most bytes LIME's sample matrix and model outputs may take together (2 GiB). */
export const MAX_SAMPLE_BYTES = 2 ** 31;

/**
 * Refuses a sample count whose sample matrix (n × segments bytes) and model outputs (n × classes
 * float32) would exceed {@link MAX_SAMPLE_BYTES}, before any of it is allocated.
 */
function checkSampleMemory(n: number, segments: number, classes: number | undefined, option: 'numSamples' | 'maxSamples'): void {
  const perSample = segments + 4 * (classes ?? 1);
  const most = Math.floor(MAX_SAMPLE_BYTES / perSample);
  if (n > most)
    throw rangeError(
      option,
      `at most ${most} samples for ${segments} segments and ${classes ?? 'unknown'} classes (2 GiB of samples and outputs)`,
      n,
    );
}

/** Runs LIME on a model-sized image. Called by `Explainer.lime()`. */
export async function runLime(
  model: Model,
  pre: ResolvedPreprocess,
  rgb: RgbImage,
  options: LimeOptions | undefined,
  classNames: (i: number) => string,
  control: RunControl = {},
): Promise<LimeResult> {
  const timer = new StageTimer(['segment', 'evaluate', 'fit'] as const);
  const o = resolveLimeOptions(options, model.classes ?? Number.MAX_SAFE_INTEGER);
  throwIfAborted(control.signal);

  // 1. Segments of the model-sized image.
  const seg = await timer.time('segment', () => resolveSegmentation(rgb, o.segmentation, o.seed));
  const M = seg.count;
  checkSampleMemory(o.numSamples, M, model.classes, o.adaptive ? 'maxSamples' : 'numSamples');

  // 2. Perturbations: row 0 all on, the rest from the sampler and the seed (with 'auto', drawn per
  // round: every sampler's first rows do not depend on how many are drawn).
  const n = o.numSamples;

  // 3. Composite and evaluate.
  const hide = await backgroundImage('hide', o.hide, rgb, seg.labels, M);
  // Planned: every sample (with 'auto', the maxSamples limit); duplicates are evaluated once.
  const evaluator = maskEvaluator(model, pre, rgb, hide, seg.labels, M, { control, planned: () => n });
  timer.use(evaluator.stats);
  const params = {
    kernelWidth: o.kernelWidth,
    regressor: o.regressor,
    alpha: o.alpha,
    featureSelection: o.featureSelection,
    numFeatures: o.numFeatures,
  };
  let y: Float32Array, K: number, explained: number[], fit: NativeLimeFitOutput, used: number;
  let stability: LimeStability | undefined;
  let masks: Uint8Array;
  if (!o.adaptive) {
    masks = drawMasks(o.sampler, o.seed, n, M);
    y = await timer.time('evaluate', () => evaluator.evaluate(masks, n));
    K = evaluator.classes();
    explained = explainedClasses(y, K, o);
    // 4. Weighted fits, all classes from one native call.
    fit = await timer.time('fit', () => fitClasses(masks, n, M, y, K, explained, params));
    used = n;
  } else {
    // 3–4 in rounds: each round evaluates the next rows of the one draw, then refits on all rows
    // so far and measures the top class's stability; stop at the target or at maxSamples.
    const { roundSize, stabilityTarget } = o.adaptive;
    const least = samplesBeforeStop(M, n);
    const parts: Float32Array[] = [];
    used = 0;
    for (let round = 1; ; round++) {
      const end = Math.min(n, used + roundSize);
      const drawn = drawMasks(o.sampler, o.seed, end, M);
      masks = drawn;
      const from = used;
      parts.push(await timer.time('evaluate', () => evaluator.evaluate(drawn.subarray(from * M, end * M), end - from)));
      used = end;
      K = evaluator.classes();
      y = concat(parts);
      explained = explainedClasses(y, K, o);
      const [f, b] = await timer.time('fit', async () => {
        const f = await fitClasses(drawn.subarray(0, end * M), end, M, y, K, explained, params);
        const target = Float64Array.from({ length: end }, (_, i) => y[i * K + explained[0]]);
        // The bootstrap's seed follows the run's, so the stopping point is the seed's too.
        return [f, await bootstrapStability(drawn, end, M, target, f.coef.subarray(0, M), params, (o.seed + end) % 2 ** 53)] as const;
      });
      fit = f;
      stability = { reached: b.stability, target: stabilityTarget, rounds: round, k: b.k };
      if ((b.stability >= stabilityTarget && used >= least) || used >= n) break;
    }
  }
  // lime would fit on weights that are all 0 but the image's own row and report zero coefficients;
  // that is no explanation, so say which option did it.
  if (!fit.sampleWeights.subarray(1).some((w) => w > 0))
    throw rangeError(
      'kernelWidth',
      `a width giving some perturbed sample a weight > 0 (every sample's is 0; lime's default is 0.25)`,
      o.kernelWidth,
    );

  const explanations: LimeExplanation[] = explained.map((index, j) => {
    const weights = fit.coef.slice(j * M, (j + 1) * M);
    const ranking = Int32Array.from(topK(weights.map(Math.abs), M));
    return {
      index,
      label: classNames(index),
      probability: y[index],
      intercept: fit.intercept[j],
      weights,
      ranking,
      score: fit.score[j],
      localPrediction: fit.localPrediction[j],
    };
  });
  return {
    explanations,
    image: rgb,
    segmentation: seg,
    hide: o.hide,
    sampler: o.sampler,
    seed: o.seed,
    numSamples: used,
    ...(stability ? { stability } : {}),
    evaluations: evaluator.stats.evaluations,
    provider: model.provider,
    compositing: evaluator.compositing,
    inputBytes: evaluator.stats.inputBytes,
    timings: timer.timings(evaluator.stats),
  };
}

/** The classes to explain: `labels`, else the `topLabels` (default 5) most probable on row 0. */
function explainedClasses(y: Float32Array, K: number, o: ReturnType<typeof resolveLimeOptions>): number[] {
  if (o.labels) {
    for (const l of o.labels) if (l >= K) throw rangeError('labels', `class indices below ${K}`, l);
  } else if (o.topLabels !== undefined && o.topLabels > K) {
    throw rangeError('topLabels', `at most ${K} (the model's classes)`, o.topLabels);
  }
  return o.labels ?? topK(y.subarray(0, K), o.topLabels ?? Math.min(DEFAULT_TOP_LABELS, K));
}

/** Weighted surrogate fits of the first n samples for every explained class, in one native call. */
async function fitClasses(
  masks: Uint8Array,
  n: number,
  M: number,
  y: Float32Array,
  K: number,
  explained: number[],
  params: Parameters<typeof binding.limeFit>[5],
): Promise<NativeLimeFitOutput> {
  const L = explained.length;
  const targets = new Float64Array(n * L);
  for (let i = 0; i < n; i++) for (let j = 0; j < L; j++) targets[i * L + j] = y[i * K + explained[j]];
  const fit = limeFitOutput(n, L, M);
  await binding.limeFit(masks, n, M, targets, L, params, fit);
  return fit;
}

/** The rounds' outputs end to end. */
function concat(parts: Float32Array[]): Float32Array {
  const out = new Float32Array(parts.reduce((s, p) => s + p.length, 0));
  let at = 0;
  for (const p of parts) {
    out.set(p, at);
    at += p.length;
  }
  return out;
}
