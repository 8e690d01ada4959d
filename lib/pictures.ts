// SPDX-License-Identifier: MIT
/**
 * PNG pictures (and plain-JSON forms) of explanation results, for code and for the command line:
 * the public face of lib/render, which draws them.
 */
import type { LimeResult } from './lime';
import type { ShapResult } from './shap';
import type { EvaluationResult } from './metrics/run';
import { shortLabel } from './class-names';
import { type CurvesOptions, type LimeImageOptions, contactSheet, curvesImage, encodePng, heatmap, limeImage, shapPlot } from './render';
import { checkChoice, checkNumber, checkOptions, rangeError, typeError } from './validate';

/**
 * Refuses anything but a result of `method` with a TypeError naming `result`; a result of the other
 * method is called what it is, and the function that draws it named. Told apart as evaluate() does:
 * a SHAP result has an `algorithm`, a LIME one a `sampler` and per-segment `weights`.
 */
function checkResultMethod(result: unknown, method: 'lime' | 'shap'): void {
  const r = typeof result === 'object' && result !== null ? (result as Record<string, unknown>) : undefined;
  const explanations = r?.explanations;
  const first = Array.isArray(explanations) ? (explanations[0] as Record<string, unknown> | undefined) : undefined;
  const actual =
    r === undefined || first === undefined
      ? undefined
      : r.algorithm !== undefined
        ? 'shap'
        : first.weights !== undefined
          ? 'lime'
          : undefined;
  if (actual === method) return;
  const wanted = method === 'lime' ? 'a LIME result (what explainer.lime() returned)' : 'a SHAP result (what explainer.shap() returned)';
  if (actual !== undefined)
    throw new TypeError(
      `Expected ${wanted} for result but received a ${actual.toUpperCase()} result: draw it with ${actual === 'lime' ? 'renderLime' : 'renderShap'}()`,
    );
  throw typeError('result', wanted, result);
}

/**
 * A picture's title for one explained class: its label and probability, as `tabby (71.3%)`; a
 * label listing synonyms (ImageNet's "tabby, tabby cat") shows the first, which fits a panel.
 */
function classTitle(e: { label: string; probability: number }): string {
  return `${shortLabel(e.label)} (${(e.probability * 100).toFixed(1)}%)`;
}

/**
 * Options of {@link renderLime}: which picture and class, and for kind `'lime'` which segments
 * (lime's `get_image_and_mask` options, with its defaults: positiveOnly true, or false when
 * negativeOnly is set; negativeOnly false; hideRest false, the rest is dimmed; numFeatures 5;
 * minWeight 0).
 */
export interface RenderLimeOptions extends LimeImageOptions {
  /** `'lime'` (default): lime's `get_image_and_mask` + `mark_boundaries` picture; `'heatmap'`: every segment's weight as colour, with a colour bar. */
  kind?: 'lime' | 'heatmap';
  /**
   * Class index to draw (default: the first explained class, the most probable), or `'all'`: one
   * titled panel per explained class — kind `'lime'` side by side, each titled with its class; kind
   * `'heatmap'` in shap's `image_plot` layout (the image, then a panel per class, one colour scale),
   * or for a single class the titled heatmap of that class.
   */
  classIndex?: number | 'all';
}

/**
 * Draws a LIME result as a PNG, the size of the explained image (kind `'lime'`) or with a title and
 * a colour bar around it (kind `'heatmap'`).
 * @param result - what `explainer.lime()` returned.
 * @param options - see {@link RenderLimeOptions} (default: kind `'lime'`, the first explained class,
 *   positiveOnly true, negativeOnly false, hideRest false, numFeatures 5, minWeight 0);
 *   `classIndex: 'all'` draws every explained class, each titled.
 * @returns PNG bytes.
 * @throws TypeError naming `result` when it is not a LIME result (a SHAP result is said to be one);
 *   RangeError naming `classIndex` when that class was not explained; TypeError/RangeError
 *   naming the option for a bad option.
 */
export async function renderLime(result: LimeResult, options?: RenderLimeOptions): Promise<Buffer> {
  checkResultMethod(result, 'lime');
  const o = checkOptions('options', options, [
    'kind',
    'classIndex',
    'positiveOnly',
    'negativeOnly',
    'hideRest',
    'numFeatures',
    'minWeight',
  ]) as RenderLimeOptions;
  const kind = o.kind === undefined ? 'lime' : checkChoice('kind', o.kind, ['lime', 'heatmap'] as const);
  const { image, segmentation } = result;
  const pixelWeights = (weights: Float64Array) => {
    const values = new Float64Array(segmentation.labels.length);
    for (let p = 0; p < values.length; p++) values[p] = weights[segmentation.labels[p]];
    return values;
  };
  const limeOptions = {
    // Asking for negative segments alone switches lime's positiveOnly default off.
    positiveOnly: o.positiveOnly ?? (o.negativeOnly ? false : true),
    negativeOnly: o.negativeOnly,
    hideRest: o.hideRest,
    numFeatures: o.numFeatures,
    minWeight: o.minWeight,
  };
  if (o.classIndex === 'all') {
    // One class: the single heatmap, which already has its title (and no copy of the image beside it).
    if (kind === 'heatmap' && result.explanations.length === 1)
      return encodePng(
        heatmap(image, pixelWeights(result.explanations[0].weights), { title: classTitle(result.explanations[0]), label: 'LIME weight' }),
      );
    if (kind === 'heatmap')
      return encodePng(
        shapPlot(
          image,
          result.explanations.map((e) => ({ title: classTitle(e), values: pixelWeights(e.weights) })),
          { label: 'LIME weight' },
        ),
      );
    const tiles = result.explanations.map((e) => ({
      image: limeImage(image, segmentation.labels, e.weights, limeOptions),
      caption: [classTitle(e)],
    }));
    return encodePng(contactSheet(tiles, { columns: tiles.length }));
  }
  const explanation =
    o.classIndex === undefined
      ? result.explanations[0]
      : result.explanations.find((e) => e.index === checkNumber('classIndex', o.classIndex, { integer: true, min: 0 }));
  if (!explanation)
    throw rangeError(
      'classIndex',
      `'all' or one of the explained classes (${result.explanations.map((e) => e.index).join(', ')})`,
      o.classIndex,
    );
  if (kind === 'heatmap')
    return encodePng(heatmap(image, pixelWeights(explanation.weights), { title: classTitle(explanation), label: 'LIME weight' }));
  return encodePng(limeImage(image, segmentation.labels, explanation.weights, limeOptions));
}

/**
 * A LIME result as plain JSON (typed arrays as arrays; the image and the segmentation's label map
 * left out: `saveLime()` stores the map beside the JSON in `NAME.lime-segments.npy`).
 * @param result - what `explainer.lime()` returned.
 */
export function limeToJson(result: LimeResult): Record<string, unknown> {
  const { segmentation: seg } = result;
  return {
    sampler: result.sampler,
    seed: result.seed,
    numSamples: result.numSamples,
    // With numSamples 'auto': the stability reached, the target and the rounds it took.
    ...(result.stability ? { stability: result.stability } : {}),
    evaluations: result.evaluations,
    provider: result.provider,
    timings: result.timings,
    segmentation: {
      method: seg.method,
      params: seg.params,
      count: seg.count,
      width: seg.width,
      height: seg.height,
      seed: seg.seed,
      ms: seg.ms,
    },
    explanations: result.explanations.map((e) => ({
      index: e.index,
      label: e.label,
      probability: e.probability,
      intercept: e.intercept,
      score: e.score,
      localPrediction: e.localPrediction,
      ranking: [...e.ranking],
      weights: [...e.weights],
    })),
  };
}

/**
 * Draws a SHAP result as shap's `image_plot`: the image, then one panel per explained class titled
 * with its label and probability, red for positive and blue for negative over a grey copy of the
 * image, symmetric limits at the 99.9th percentile of |values| over all panels, and a colour bar.
 * @param result - what `explainer.shap()` returned.
 * @param options - `limit`: a fixed colour limit (> 0) instead of the percentile (default: the
 *   99.9th percentile of |values| over all panels).
 * @returns PNG bytes.
 * @throws TypeError naming `result` when it is not a SHAP result (a LIME result is said to be one).
 */
export async function renderShap(result: ShapResult, options?: { limit?: number }): Promise<Buffer> {
  checkResultMethod(result, 'shap');
  const o = checkOptions('options', options, ['limit']) as { limit?: number };
  const panels = result.explanations.map((e) => ({ title: classTitle(e), values: e.values }));
  return encodePng(
    shapPlot(result.image, panels, o.limit === undefined ? {} : { limit: checkNumber('limit', o.limit, { min: 0, minExclusive: true }) }),
  );
}

/**
 * A SHAP result's metadata as plain JSON: per class its label, probability, base value and sum, and
 * over superpixels the per-segment values and standard errors. The per-pixel values and per-pixel
 * standard errors (H × W per class, megabytes as JSON text) are left out: `saveShap()` stores them
 * beside the JSON in `NAME.shap.npy` and `NAME.shap-errors.npy`.
 * @param result - what `explainer.shap()` returned.
 */
export function shapToJson(result: ShapResult): Record<string, unknown> {
  const seg = result.segmentation;
  return {
    algorithm: result.algorithm,
    features: result.features,
    seed: result.seed,
    maxEvals: result.maxEvals,
    evaluations: result.evaluations,
    precision: result.precision,
    provider: result.provider,
    timings: result.timings,
    segmentation: seg
      ? { method: seg.method, params: seg.params, count: seg.count, width: seg.width, height: seg.height, seed: seg.seed }
      : undefined,
    explanations: result.explanations.map((e) => ({
      index: e.index,
      label: e.label,
      probability: e.probability,
      baseValue: e.baseValue,
      sum: e.values.reduce((a, b) => a + b, 0),
      segmentValues: e.segmentValues ? [...e.segmentValues] : undefined,
      // Per segment here; per pixel (expected gradients) they are an array beside the JSON (saveShap).
      standardErrors: e.standardErrors && result.features !== 'pixels' ? [...e.standardErrors] : undefined,
      sumStandardError: e.sumStandardError,
    })),
  };
}

/**
 * Draws the deletion and insertion curves of an evaluation as a PNG: one panel per explained class
 * (deletion red, insertion blue, each beside the mean curve of its random orders in a lighter
 * shade), axes, and the AUCs with their random baselines in the legend.
 * @param evaluation - what `explainer.evaluate()` returned (or its JSON form), with metric
 *   `'deletion'` and/or `'insertion'`.
 * @param options - `classIndex` (default: every explained class), `panelWidth` (default 300 px,
 *   160..1600), `columns` (panels per row, default up to 3).
 * @returns PNG bytes.
 * @throws TypeError when `evaluation` is not an evaluation result; RangeError when it has no
 *   curves, or naming a bad option.
 */
export async function renderCurves(evaluation: EvaluationResult, options?: CurvesOptions): Promise<Buffer> {
  const o = checkOptions('options', options, ['classIndex', 'panelWidth', 'columns']) as CurvesOptions;
  return encodePng(curvesImage(evaluation, o).image);
}
