// SPDX-License-Identifier: MIT
/**
 * `explainer.evaluate()`: measures a LIME or SHAP result's quality with the registered metrics
 * (registry.ts), by forward passes only, through the same evaluator and batch engine as the
 * explanation. Every option is checked before any model call; results are plain data and echo the
 * seed.
 */
import { performance } from 'node:perf_hooks';
import { resolveBackground, type Background, type BackgroundSpec } from '../background';
import type { RgbImage } from '../image';
import { LIME_OPTION_KEYS, resolveLimeOptions, runLime, type LimeExplanation, type LimeOptions, type LimeResult } from '../lime';
import type { Model } from '../model';
import type { ResolvedPreprocess } from '../preprocess';
import { DEFAULT_SEED } from '../rng';
import { SAMPLER_NAMES } from '../samplers/registry';
import { resolveShapOptions, runShap, shapOptionKeys, type ShapExplanation, type ShapOptions, type ShapResult } from '../shap';
import { MAX_SEGMENTS, ownSegmentation, type Segmentation } from '../segment';
import { checkChoice, checkNumber, checkOptions, optionalSeed, rangeError, typeError } from '../validate';
import type { CurveMetric } from './curves';
import { buildFeatures, type Attributed } from './features';
import type { MetricContext, ModelSource } from './metric';
import type { MuFidelityMetric } from './mufidelity';
import type { RandomizationMetric } from './randomization';
import { DEFAULT_METRICS, METRIC_NAMES, metricOptions, metricSpec, type MetricName } from './registry';
import type { StabilityMetric } from './stability';

/** Options of `explainer.evaluate()`. */
export interface EvaluateOptions {
  /**
   * Metrics to run (registry order): 'deletion', 'insertion', 'mufidelity', 'stability',
   * 'randomization'. Default: all but 'randomization' (which loads a second model).
   */
  metrics?: MetricName[];
  /**
   * What removed features show (see {@link BackgroundSpec}). Default: the explanation's own
   * background (LIME's `hide`, SHAP's `masker`, as recorded in the result).
   */
  substrate?: BackgroundSpec;
  /** Pixel-level SHAP only: pixels ranked by value are removed in this many equal chunks. Default 100. */
  steps?: number;
  /** Seed of the random orders, subsets and stability's seeds. Default 42. */
  seed?: number;
  /** Deletion/insertion: random orders for the chance baseline. Default 10. */
  randomOrders?: number;
  /** MuFidelity: random subsets. Default 128. */
  subsets?: number;
  /** MuFidelity: probability of each feature to be in a subset. Default 0.2. */
  subsetFraction?: number;
  /** Stability: a count of seeds (seed, seed+1, …; default 5) or the seeds themselves. */
  seeds?: number | number[];
  /** Stability: top features compared by the Jaccard index. Default 5. */
  k?: number;
  /**
   * Randomization: weighted nodes whose weights are permuted, counted from the output (1: the last
   * one, e.g. the classifier layer). Default 1; at most the model's weighted nodes.
   */
  layers?: number;
  /**
   * Stability: options of the explanation made again (e.g. LIME's `kernelWidth`, SHAP's `batchSize`)
   * when they were not the defaults; what the result records (samples or budget, algorithm,
   * features, background) is taken from it. `seed`, `segmentation` and `labels` are set by the metric.
   */
  explainOptions?: LimeOptions | ShapOptions;
}

/** One explained class's metrics. Plain data. */
export interface ClassEvaluation {
  index: number;
  label: string;
  deletion?: CurveMetric;
  insertion?: CurveMetric;
  mufidelity?: MuFidelityMetric;
  stability?: StabilityMetric;
  randomization?: RandomizationMetric;
  /** LIME: the surrogate's weighted R² on its samples. */
  r2?: number;
  /** SHAP: |Σ values − (probability − baseValue)|, how far efficiency is from holding. */
  efficiencyGap?: number;
}

/** What `explainer.evaluate()` returns. Plain data. */
export interface EvaluationResult {
  method: 'lime' | 'shap';
  /** 'segments', or 'pixel-chunks' for pixel-level SHAP. */
  features: 'segments' | 'pixel-chunks';
  /** Features switched: segments, or `steps` chunks. */
  featureCount: number;
  /** The substrate removed features showed. */
  substrate: Background;
  seed: number;
  metrics: MetricName[];
  /** Model evaluations run by the metrics (distinct masks; stability's explanations included). */
  evaluations: number;
  classes: ClassEvaluation[];
  /** Milliseconds. */
  timings: { total: number };
}

const COMMON = ['metrics', 'substrate', 'steps', 'seed', 'explainOptions'];

/** Chunks of pixel-level SHAP when `steps` is not given. */
export const DEFAULT_STEPS = 100;

/** The spec form of a checked background, to explain again with the same one. */
function backgroundSpec(bg: Background, name: string): BackgroundSpec {
  if (typeof bg !== 'object' || bg === null) throw typeError(name, 'the background the result recorded', bg);
  switch (bg.kind) {
    case 'mean':
      return 'mean';
    case 'color':
      return { color: bg.color };
    case 'blur':
      return { blur: [bg.kx, bg.ky] };
    case 'image':
      return { background: bg.input };
    default:
      throw typeError(name, 'the background the result recorded', bg);
  }
}

/** One explained class as read from the result: checked copies. */
interface ReadClass {
  index: number;
  label: string;
  /** Per segment, or per pixel for pixel-level SHAP. */
  values: Float64Array;
  r2?: number;
  efficiencyGap?: number;
}

/**
 * Checked copies of what evaluate() needs of a result, each field read once (a getter may answer
 * differently twice; a caller may change its arrays while the evaluation runs).
 */
function readResult(result: unknown, classes: number | undefined) {
  if (typeof result !== 'object' || result === null || Array.isArray(result)) throw typeError('result', 'a LIME or SHAP result', result);
  const r = result as Partial<LimeResult & ShapResult>;
  const { explanations, image, algorithm, hide, masker, numSamples, maxEvals, seed, sampler } = r;
  const method: 'lime' | 'shap' = algorithm !== undefined ? 'shap' : 'lime';
  if (!Array.isArray(explanations) || explanations.length === 0)
    throw typeError('result.explanations', 'the explanations of a LIME or SHAP result', explanations);
  if (typeof image !== 'object' || image === null) throw typeError('result.image', 'the model-sized RGB image of the result', image);
  // Each field read once: a getter must not pass a check and then hand over something else.
  const data: unknown = image.data;
  if (!(data instanceof Uint8Array)) throw typeError('result.image.data', 'the Uint8Array of the model-sized RGB image', data);
  const width = checkNumber('result.image.width', image.width, { integer: true, min: 1 });
  const height = checkNumber('result.image.height', image.height, { integer: true, min: 1 });
  const imageData = data.slice();
  if (imageData.length !== width * height * 3) throw rangeError('result.image.data', `${width * height * 3} bytes`, imageData);
  const features = method === 'shap' ? checkChoice('result.features', r.features, ['pixels', 'superpixels'] as const) : 'superpixels';
  const pixels = features === 'pixels';
  let segmentation: Segmentation | undefined;
  if (!pixels) {
    segmentation = ownSegmentation(r.segmentation);
    if (typeof segmentation !== 'object' || segmentation === null || !(segmentation.labels instanceof Int32Array))
      throw typeError('result.segmentation', 'the segmentation of the result', segmentation);
    if (segmentation.width !== width || segmentation.height !== height)
      throw rangeError('result.segmentation', `a ${width}x${height} segmentation`, `${segmentation.width}x${segmentation.height}`);
  }
  const name = method === 'lime' ? 'result.hide' : 'result.masker';
  const background = resolveBackground(name, backgroundSpec((method === 'lime' ? hide : masker) as Background, name));
  const n = pixels ? width * height : (segmentation as Segmentation).count;
  const read: ReadClass[] = explanations.map((e: Partial<LimeExplanation & ShapExplanation>, j) => {
    const { index, label, weights, segmentValues, values, score, probability, baseValue } = e ?? {};
    checkNumber(`result.explanations[${j}].index`, index, { integer: true, min: 0, max: (classes ?? 2 ** 31) - 1 });
    const own = method === 'lime' ? weights : pixels ? values : segmentValues;
    if (!ArrayBuffer.isView(own) || (own as Float64Array).length !== n)
      throw typeError(`result.explanations[${j}]`, `${n} attributions`, own);
    const c: ReadClass = { index: index as number, label: String(label), values: Float64Array.from(own as Float64Array) };
    if (method === 'lime' && typeof score === 'number') c.r2 = score;
    if (method === 'shap' && values instanceof Float32Array && typeof probability === 'number' && typeof baseValue === 'number') {
      let sum = 0;
      for (let p = 0; p < values.length; p++) sum += values[p];
      c.efficiencyGap = Math.abs(sum - (probability - baseValue));
    }
    return c;
  });
  return {
    method,
    image: { width, height, data: imageData },
    pixels,
    features,
    segmentation,
    background,
    read,
    numSamples,
    algorithm,
    maxEvals,
    // LIME's sampler: stability and the randomisation check explain again with the same design.
    sampler: method === 'lime' && sampler !== undefined ? checkChoice('result.sampler', sampler, SAMPLER_NAMES) : undefined,
    // Recorded by every result; only the randomisation check reads it (to explain with the same seed).
    resultSeed: typeof seed === 'number' && Number.isSafeInteger(seed) && seed >= 0 ? seed : undefined,
  };
}

/**
 * The options a re-explanation (stability, randomization) runs with: the result's recorded settings,
 * then `explainOptions`, then what the metric sets (seed; the result's segmentation and classes).
 */
function againOptions(
  plan: Pick<
    ReturnType<typeof readResult>,
    'method' | 'numSamples' | 'sampler' | 'algorithm' | 'features' | 'maxEvals' | 'background' | 'pixels'
  >,
  explainOptions: Record<string, unknown>,
  set: { seed: number; segmentation?: Segmentation; labels?: number[] },
): LimeOptions | ShapOptions {
  if (plan.method === 'lime')
    return {
      numSamples: plan.numSamples,
      hide: backgroundSpec(plan.background, 'hide'),
      sampler: plan.sampler,
      ...explainOptions,
      ...set,
    } as LimeOptions;
  const { segmentation, ...rest } = set;
  return {
    algorithm: plan.algorithm,
    features: plan.features,
    maxEvals: plan.maxEvals,
    masker: backgroundSpec(plan.background, 'masker'),
    ...explainOptions,
    ...rest,
    ...(plan.pixels ? {} : { segmentation }),
  } as ShapOptions;
}

/** Everything checked before any model call: the result's copies and every option. */
export type EvaluationPlan = ReturnType<typeof planEvaluation>;

/**
 * Checks `result` and `options` (synchronously, when `evaluate()` is called) and fills the defaults.
 * @param classes - the model's class count, when known.
 */
export function planEvaluation(result: unknown, options: EvaluateOptions | undefined, classes: number | undefined) {
  const res = readResult(result, classes);
  const { pixels, method, segmentation, image } = res;
  const P = image.width * image.height;

  // Options: the common ones, then each metric's own.
  const owners = metricOptions();
  const o = { ...checkOptions('options', options, [...COMMON, ...owners.keys()]) } as Record<string, unknown> & EvaluateOptions;
  let metrics: MetricName[] = [...DEFAULT_METRICS];
  if (o.metrics !== undefined) {
    if (!Array.isArray(o.metrics) || o.metrics.length === 0)
      throw typeError('metrics', `a non-empty array of ${METRIC_NAMES.join(', ')}`, o.metrics);
    const asked = o.metrics.map((m, i) => {
      if (typeof m !== 'string') throw typeError(`metrics[${i}]`, `one of ${METRIC_NAMES.join(', ')}`, m);
      if (!(METRIC_NAMES as readonly string[]).includes(m)) throw rangeError(`metrics[${i}]`, `one of ${METRIC_NAMES.join(', ')}`, m);
      return m;
    });
    metrics = METRIC_NAMES.filter((m) => asked.includes(m));
  }
  for (const [name, takers] of owners)
    if (o[name] !== undefined && !takers.some((m) => metrics.includes(m)))
      throw rangeError(name, `only with metric ${takers.map((m) => `'${m}'`).join(' or ')}`, o[name]);
  if (o.steps !== undefined && !pixels) throw rangeError('steps', 'only for a pixel-level SHAP result', o.steps);
  // Chunks are features like segments: at most MAX_SEGMENTS, so the masks stay small.
  const steps =
    o.steps === undefined
      ? Math.min(DEFAULT_STEPS, P)
      : checkNumber('steps', o.steps, { integer: true, min: 1, max: Math.min(P, MAX_SEGMENTS) });
  const seed = optionalSeed('seed', o.seed, DEFAULT_SEED);
  const substrate = o.substrate === undefined ? res.background : resolveBackground('substrate', o.substrate);
  const explainOptions = o.explainOptions === undefined ? {} : { ...checkOptions('explainOptions', o.explainOptions, explainKeys(method)) };
  for (const forced of ['seed', 'segmentation', 'labels'])
    if (explainOptions[forced] !== undefined)
      throw rangeError(
        `explainOptions.${forced}`,
        'nothing: the re-explanations of stability and randomization set it',
        explainOptions[forced],
      );
  // The re-explanations' options are checked now, before any model call, under their full name.
  if (metrics.some((m) => m === 'stability' || m === 'randomization')) {
    const again = againOptions(res, explainOptions, { seed });
    try {
      if (method === 'lime') resolveLimeOptions(again as LimeOptions, classes ?? Number.MAX_SAFE_INTEGER);
      else resolveShapOptions(again as ShapOptions);
    } catch (err) {
      const E = err instanceof TypeError ? TypeError : RangeError;
      throw new E(`explainOptions: ${(err as Error).message}`, { cause: err });
    }
  }
  const featureCount = pixels ? steps : (segmentation as Segmentation).count;
  // Stability compares the explanation's own features (pixels for pixel-level SHAP).
  const ownFeatures = pixels ? P : featureCount;
  const params = new Map<MetricName, Record<string, unknown>>();
  for (const name of metrics) {
    const values: Record<string, unknown> = {};
    for (const p of metricSpec(name).params) values[p.name] = o[p.name] === undefined ? p.default : p.check(o[p.name], ownFeatures);
    params.set(name, values);
  }
  return { ...res, metrics, steps, seed, substrate, explainOptions, featureCount, params };
}

/**
 * Runs a checked plan on the model-sized image. Called by `Explainer.evaluate()`.
 * @param source - where the model came from, for metrics that rewrite it (randomization).
 */
export async function runEvaluation(
  model: Model,
  pre: ResolvedPreprocess,
  rgb: RgbImage,
  plan: EvaluationPlan,
  source?: ModelSource,
): Promise<EvaluationResult> {
  const start = performance.now();
  const { method, image, pixels, segmentation, read, metrics, steps, seed, substrate, explainOptions, params } = plan;
  // The metrics mean nothing for another image than the one explained.
  if (image.width !== rgb.width || image.height !== rgb.height || Buffer.compare(image.data, rgb.data) !== 0)
    throw rangeError('image', 'the image the result explains', 'an image whose model-sized pixels differ from result.image');

  // Metrics' own preparation (the randomised model's bytes) before any model call.
  const prepared = new Map<MetricName, unknown>();
  for (const name of metrics) {
    const spec = metricSpec(name);
    if (spec.prepare) prepared.set(name, await spec.prepare(source, params.get(name) as Record<string, unknown>, seed));
  }

  // Attributions per class over the explanation's own features.
  const attributionsOf = (res: LimeResult | ShapResult): Float64Array[] =>
    res.explanations.map((e) => ('weights' in e ? Float64Array.from(e.weights) : Float64Array.from(e.segmentValues ?? e.values)));
  const original = read.map((c) => c.values);
  const attributed: Attributed[] = read.map((c) => ({ index: c.index, label: c.label, values: c.values }));
  const classes = await buildFeatures(model, pre, rgb, substrate, attributed, segmentation, steps);
  const labels = read.map((c) => c.index);
  let againEvaluations = 0;
  const explainAgain = async (s: number, other: Model = model): Promise<Float64Array[]> => {
    const options = againOptions(plan, explainOptions, { seed: s, segmentation, labels });
    const again =
      method === 'lime'
        ? await runLime(other, pre, rgb, options as LimeOptions, String)
        : await runShap(other, pre, rgb, options as ShapOptions, String);
    againEvaluations += again.evaluations;
    return attributionsOf(again);
  };
  const context: MetricContext = { classes, seed, explainAgain, original, resultSeed: plan.resultSeed ?? seed, source };

  // Stability first: explaining again checks `explainOptions` before the other metrics spend model calls.
  const order = [...metrics].sort((a, b) => Number(b === 'stability') - Number(a === 'stability'));
  const values = new Map<MetricName, unknown[]>();
  for (const name of order)
    values.set(name, await metricSpec(name).run(context, params.get(name) as Record<string, unknown>, prepared.get(name)));

  const evaluated: ClassEvaluation[] = read.map((r, j) => {
    const c: ClassEvaluation = { index: r.index, label: r.label };
    for (const name of metrics) (c as unknown as Record<string, unknown>)[name] = (values.get(name) as unknown[])[j];
    if (r.r2 !== undefined) c.r2 = r.r2;
    if (r.efficiencyGap !== undefined) c.efficiencyGap = r.efficiencyGap;
    return c;
  });
  const sets = new Set(classes.map((c) => c.set));
  let evaluations = againEvaluations;
  for (const s of sets) evaluations += s.evaluator.stats.evaluations;
  return {
    method,
    features: pixels ? 'pixel-chunks' : 'segments',
    featureCount: plan.featureCount,
    substrate,
    seed,
    metrics,
    evaluations,
    classes: evaluated,
    timings: { total: performance.now() - start },
  };
}

/**
 * Option names a re-explanation takes: the method's own options (checked by runLime/runShap when
 * it runs) but `topLabels`, which the explained classes decide.
 */
function explainKeys(method: 'lime' | 'shap'): string[] {
  return (method === 'lime' ? [...LIME_OPTION_KEYS] : shapOptionKeys()).filter((k) => k !== 'topLabels');
}
