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
import { runLime, type LimeExplanation, type LimeOptions, type LimeResult } from '../lime';
import type { Model } from '../model';
import type { ResolvedPreprocess } from '../preprocess';
import { DEFAULT_SEED } from '../rng';
import { runShap, type ShapExplanation, type ShapOptions, type ShapResult } from '../shap';
import { checkNumber, checkOptions, optionalSeed, rangeError, typeError } from '../validate';
import type { CurveMetric } from './curves';
import { buildFeatures, type Attributed } from './features';
import type { MetricContext } from './metric';
import type { MuFidelityMetric } from './mufidelity';
import { METRIC_NAMES, metricOptions, metricSpec, type MetricName } from './registry';
import type { StabilityMetric } from './stability';

/** Options of `explainer.evaluate()`. */
export interface EvaluateOptions {
  /** Metrics to run (registry order): 'deletion', 'insertion', 'mufidelity', 'stability'. Default: all. */
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

/** The spec form of a checked background, to explain again with the same one. */
function backgroundSpec(bg: Background): BackgroundSpec {
  switch (bg.kind) {
    case 'mean':
      return 'mean';
    case 'color':
      return { color: bg.color };
    case 'blur':
      return { blur: [bg.kx, bg.ky] };
    case 'image':
      return { background: bg.input };
  }
}

/** What evaluate() reads of a result, each field read once (a getter may answer differently twice). */
function readResult(result: unknown) {
  if (typeof result !== 'object' || result === null) throw typeError('result', 'a LIME or SHAP result', result);
  const r = result as Partial<LimeResult & ShapResult>;
  const explanations = r.explanations as (LimeExplanation | ShapExplanation)[] | undefined;
  if (!Array.isArray(explanations) || explanations.length === 0)
    throw typeError('result.explanations', 'the explanations of a LIME or SHAP result', explanations);
  const image = r.image;
  const method: 'lime' | 'shap' = r.algorithm !== undefined ? 'shap' : 'lime';
  const background = method === 'lime' ? r.hide : r.masker;
  if (typeof background !== 'object' || background === null)
    throw typeError(`result.${method === 'lime' ? 'hide' : 'masker'}`, 'the background the result recorded', background);
  return { r, explanations, image, method, background, segmentation: r.segmentation, features: r.features };
}

/** Runs the metrics on a model-sized image. Called by `Explainer.evaluate()`. */
export async function runEvaluation(
  model: Model,
  pre: ResolvedPreprocess,
  rgb: RgbImage,
  result: LimeResult | ShapResult,
  options: EvaluateOptions | undefined,
): Promise<EvaluationResult> {
  const start = performance.now();
  const { r, explanations, image, method, background, segmentation, features } = readResult(result);
  if (typeof image !== 'object' || image === null || !(image.data instanceof Uint8Array))
    throw typeError('result.image', 'the model-sized RGB image of the result', image);
  // The metrics mean nothing for another image than the one explained.
  if (image.width !== rgb.width || image.height !== rgb.height || Buffer.compare(image.data, rgb.data) !== 0)
    throw rangeError('image', 'the image the result explains', `an image whose model-sized pixels differ from result.image`);
  const pixels = method === 'shap' && features === 'pixels';
  if (!pixels && (!segmentation || !(segmentation.labels instanceof Int32Array) || segmentation.labels.length !== rgb.width * rgb.height))
    throw typeError('result.segmentation', 'the model-sized segmentation of the result', segmentation);

  // Options: the common ones, then each metric's own, all before any model call.
  const owners = metricOptions();
  const o = checkOptions('options', options, [...COMMON, ...owners.keys()]) as Record<string, unknown> & EvaluateOptions;
  let metrics: MetricName[] = [...METRIC_NAMES];
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
  const steps =
    o.steps === undefined
      ? Math.min(100, rgb.width * rgb.height)
      : checkNumber('steps', o.steps, { integer: true, min: 1, max: rgb.width * rgb.height });
  const seed = optionalSeed('seed', o.seed, DEFAULT_SEED);
  const substrate = o.substrate === undefined ? background : resolveBackground('substrate', o.substrate);
  const explainOptions = o.explainOptions === undefined ? {} : checkOptions('explainOptions', o.explainOptions, [...explainKeys(method)]);
  for (const forced of ['seed', 'segmentation', 'labels'])
    if (explainOptions[forced] !== undefined)
      throw rangeError(`explainOptions.${forced}`, 'nothing: the stability metric sets it', explainOptions[forced]);
  const featureCount = pixels ? steps : (segmentation as { count: number }).count;
  // Stability compares the explanation's own features (pixels for pixel-level SHAP).
  const ownFeatures = pixels ? rgb.width * rgb.height : featureCount;
  const params = new Map<MetricName, Record<string, unknown>>();
  for (const name of metrics) {
    const values: Record<string, unknown> = {};
    for (const p of metricSpec(name).params) values[p.name] = o[p.name] === undefined ? p.default : p.check(o[p.name], ownFeatures);
    params.set(name, values);
  }

  // Attributions per class over the explanation's own features.
  const attributionsOf = (res: LimeResult | ShapResult): Float64Array[] =>
    res.explanations.map((e) => ('weights' in e ? Float64Array.from(e.weights) : Float64Array.from(e.segmentValues ?? e.values)));
  const original = attributionsOf(r as LimeResult | ShapResult);
  const attributed: Attributed[] = explanations.map((e, j) => ({ index: e.index, label: e.label, values: original[j] }));
  const classes = await buildFeatures(
    model,
    pre,
    rgb,
    substrate,
    attributed,
    pixels ? undefined : (segmentation as { labels: Int32Array; count: number }),
    steps,
  );
  const labels = explanations.map((e) => e.index);
  let againEvaluations = 0;
  const explainAgain = async (s: number): Promise<Float64Array[]> => {
    const again =
      method === 'lime'
        ? await runLime(
            model,
            pre,
            rgb,
            { numSamples: r.numSamples, hide: backgroundSpec(background), ...explainOptions, seed: s, segmentation, labels } as LimeOptions,
            String,
          )
        : await runShap(
            model,
            pre,
            rgb,
            {
              algorithm: r.algorithm,
              features,
              maxEvals: r.maxEvals,
              masker: backgroundSpec(background),
              ...explainOptions,
              seed: s,
              labels,
              ...(pixels ? {} : { segmentation }),
            } as ShapOptions,
            String,
          );
    againEvaluations += again.evaluations;
    return attributionsOf(again);
  };
  const context: MetricContext = { classes, seed, explainAgain, original };

  // Stability first: explaining again checks `explainOptions` before the other metrics spend model calls.
  const order = [...metrics].sort((a, b) => Number(b === 'stability') - Number(a === 'stability'));
  const values = new Map<MetricName, unknown[]>();
  for (const name of order) values.set(name, await metricSpec(name).run(context, params.get(name) as Record<string, unknown>));

  const evaluated: ClassEvaluation[] = explanations.map((e, j) => {
    const c: ClassEvaluation = { index: e.index, label: e.label };
    for (const name of metrics) (c as unknown as Record<string, unknown>)[name] = (values.get(name) as unknown[])[j];
    if ('score' in e) c.r2 = e.score;
    if ('baseValue' in e) {
      let sum = 0;
      for (let p = 0; p < e.values.length; p++) sum += e.values[p];
      c.efficiencyGap = Math.abs(sum - (e.probability - e.baseValue));
    }
    return c;
  });
  const sets = new Set(classes.map((c) => c.set));
  let evaluations = againEvaluations;
  for (const s of sets) evaluations += s.evaluator.stats.evaluations;
  return {
    method,
    features: pixels ? 'pixel-chunks' : 'segments',
    featureCount,
    substrate,
    seed,
    metrics,
    evaluations,
    classes: evaluated,
    timings: { total: performance.now() - start },
  };
}

/** Option names a re-explanation takes (checked by runLime/runShap themselves when it runs). */
function explainKeys(method: 'lime' | 'shap'): readonly string[] {
  return method === 'lime'
    ? [
        'numSamples',
        'hide',
        'blurSize',
        'kernelWidth',
        'regressor',
        'alpha',
        'featureSelection',
        'numFeatures',
        'seed',
        'segmentation',
        'labels',
      ]
    : ['algorithm', 'maxEvals', 'batchSize', 'masker', 'features', 'hierarchy', 'l1', 'seed', 'segmentation', 'labels'];
}
