// SPDX-License-Identifier: MIT
/**
 * Pictures and plain-JSON forms of the gradient results (Integrated Gradients, Grad-CAM), drawn in
 * shap's `image_plot` layout like SHAP results: the image, then the per-pixel map over a grey copy.
 * Gradient methods that return a SHAP result (expected gradients, `shap({ algorithm: 'gradient' })`)
 * are drawn by `renderShap`, to which {@link renderGradient} hands them.
 *
 * @packageDocumentation
 */
import { shortLabel } from './class-names';
import type { GradCamResult } from './gradient/explain-gradcam';
import type { IntegratedGradientsResult } from './gradient/explain-ig';
import type { SmoothGradResult } from './gradient/explain-smooth';
import { renderShap } from './pictures';
import { encodePng, shapPlot } from './render';
import type { ShapResult } from './shap';
import { checkNumber, checkOptions, typeError } from './validate';

/** What `explainer.integratedGradients()`, `explainer.smoothGrad()` or `explainer.gradCam()` returned. */
export type GradientResult = IntegratedGradientsResult | SmoothGradResult | GradCamResult;

/** The method's name as pictures and the command line's file names say it. */
const NAMES = { integratedGradients: 'Integrated Gradients', smoothGrad: 'SmoothGrad', gradcam: 'Grad-CAM' } as const;

function isGradientResult(result: unknown): result is GradientResult {
  const r = typeof result === 'object' && result !== null ? (result as Record<string, unknown>) : undefined;
  return (
    (r?.method === 'integratedGradients' || r?.method === 'smoothGrad' || r?.method === 'gradcam') &&
    r.pixels instanceof Float32Array &&
    typeof r.image === 'object'
  );
}

/**
 * Draws a gradient result as a PNG in shap's `image_plot` layout: the image as the model saw it,
 * then the per-pixel map titled with the class and the method — Integrated Gradients' and
 * SmoothGrad's per-pixel sums red for positive and blue for negative, Grad-CAM's (non-negative) map in red — with a colour
 * bar. A SHAP result (expected gradients) is drawn by `renderShap`.
 *
 * @param result - what `explainer.integratedGradients()`, `explainer.smoothGrad()` or
 *   `explainer.gradCam()` returned, or a SHAP result.
 * @param options - `limit`: a fixed symmetric colour limit (> 0) instead of the default, the 99.9th
 *   percentile of |values|.
 * @returns PNG bytes.
 * @throws TypeError naming `result` when it is none of these; TypeError/RangeError naming a bad option.
 */
export async function renderGradient(result: GradientResult | ShapResult, options?: { limit?: number }): Promise<Buffer> {
  // The hook for gradient methods with SHAP's result shape (expected gradients).
  if (typeof result === 'object' && result !== null && 'algorithm' in result) return renderShap(result, options);
  if (!isGradientResult(result))
    throw typeError('result', 'a gradient result (what explainer.integratedGradients(), smoothGrad() or gradCam() returned)', result);
  const o = checkOptions('options', options, ['limit']) as { limit?: number };
  const title = `${shortLabel(result.label)}: ${NAMES[result.method]}${result.method === 'gradcam' ? ` (${result.layer})` : ''}`;
  const plot = shapPlot(result.image, [{ title, values: result.pixels }], {
    label: result.method === 'gradcam' ? 'Grad-CAM' : 'attribution (summed over channels)',
    ...(o.limit === undefined ? {} : { limit: checkNumber('limit', o.limit, { min: 0, minExclusive: true }) }),
  });
  return encodePng(plot);
}

/**
 * A gradient result as plain JSON: its settings, scores and timings; for Grad-CAM also the layer
 * and the channel weights α_c. The maps are left out: `saveGradient()` stores them in `.npy` files
 * beside the JSON.
 *
 * @param result - what `explainer.integratedGradients()`, `explainer.smoothGrad()` or
 *   `explainer.gradCam()` returned.
 * @throws TypeError naming `result` when it is not a gradient result.
 */
export function gradientToJson(result: GradientResult): Record<string, unknown> {
  if (!isGradientResult(result))
    throw typeError('result', 'a gradient result (what explainer.integratedGradients(), smoothGrad() or gradCam() returned)', result);
  const common = { method: result.method, classIndex: result.classIndex, label: result.label, width: result.width, height: result.height };
  if (result.method === 'integratedGradients')
    return {
      ...common,
      steps: result.steps,
      layout: result.layout,
      score: result.score,
      baselineScore: result.baselineScore,
      sum: result.pixels.reduce((a, b) => a + b, 0),
      completenessGap: result.completenessGap,
      evaluations: result.evaluations,
      timings: result.timings,
    };
  if (result.method === 'smoothGrad')
    return {
      ...common,
      variant: result.variant,
      nSamples: result.nSamples,
      noise: result.noise,
      sigma: result.sigma,
      seed: result.seed,
      layout: result.layout,
      score: result.score,
      meanNoisyScore: result.meanNoisyScore,
      sum: result.pixels.reduce((a, b) => a + b, 0),
      evaluations: result.evaluations,
      timings: result.timings,
    };
  return {
    ...common,
    probability: result.probability,
    layer: result.layer,
    defaultLayer: result.defaultLayer,
    layerShape: result.layerShape,
    weights: [...result.weights],
    evaluations: result.evaluations,
    timings: result.timings,
  };
}
