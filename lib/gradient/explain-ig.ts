// SPDX-License-Identifier: MIT
/**
 * `Explainer.integratedGradients`: options checked, the image and baseline preprocessed, the class
 * chosen, and the attributions summed per pixel.
 *
 * @packageDocumentation
 */
import { backgroundImage, resolveBackground, type BackgroundSpec } from '../background';
import type { RgbImage } from '../image';
import type { Model } from '../model/types';
import { toTensorData, type ResolvedPreprocess } from '../preprocess';
import { topK } from '../rank';
import { checkNumber, checkOptions } from '../validate';
import { DEFAULT_IG_STEPS, integratedGradients } from './integrated';
import type { ChannelAttributions, GradientMapResult } from './result';
import type { GradientRunner } from './runner';

/** Options of `Explainer.integratedGradients`. */
export interface IntegratedGradientsOptions {
  /** The class explained. Default: the top class of the image. */
  classIndex?: number;
  /**
   * The baseline image x′, in the vocabulary of LIME's `hide` / SHAP's `masker` (see
   * {@link BackgroundSpec}): `'black'` (default), `'blur(kx,ky)'` or `{ blur: k }` (the image
   * box-blurred), `{ color: [r, g, b] }`, `'mean'` (the image's mean colour), or
   * `{ background: image }` (another image of the model's size).
   */
  baseline?: BackgroundSpec;
  /** Trapezoid intervals along the path, integer 1..100000 (steps + 1 gradient evaluations). Default 50. */
  steps?: number;
}

/** Integrated Gradients of one image for one class. */
export interface IntegratedGradientsResult extends GradientMapResult, ChannelAttributions {
  /** Always `'integratedGradients'`: tells this result from the other gradient results. */
  method: 'integratedGradients';
  steps: number;
  /** The class's score (probability, or logit with `softmax: false`) at the image. */
  score: number;
  /** The class's score at the baseline. */
  baselineScore: number;
  /** Σ attributions − (score − baselineScore): shrinks as `steps` grows; 0 for a linear model. */
  completenessGap: number;
}

/**
 * Runs Integrated Gradients for `rgb` (already fitted to the model).
 * @param runner - resolves to the model's (cached) gradient runner once softmax is decided.
 */
export async function runIntegratedGradients(
  model: Model,
  pre: ResolvedPreprocess,
  rgb: RgbImage,
  options: IntegratedGradientsOptions | undefined,
  label: (index: number) => string,
  runner: () => Promise<GradientRunner>,
): Promise<IntegratedGradientsResult> {
  const o = checkOptions('options', options, ['classIndex', 'baseline', 'steps']);
  const steps = o.steps === undefined ? DEFAULT_IG_STEPS : checkNumber('steps', o.steps, { integer: true, min: 1, max: 100000 });
  const baselineSpec = resolveBackground('baseline', o.baseline ?? 'black');
  const classOption = o.classIndex === undefined ? undefined : checkNumber('classIndex', o.classIndex, { integer: true, min: 0 });
  const image = toTensorData(rgb, pre, 'float32') as Float32Array;
  // One forward pass: the top class, and softmax decided (its gradient is then part of the model's).
  const scores = await model.run(image, 1, [rgb.height, rgb.width]);
  const classIndex = classOption ?? topK(scores, 1)[0];
  if (classIndex >= scores.length) checkNumber('classIndex', classIndex, { integer: true, min: 0, max: scores.length - 1 });
  const baseline = toTensorData(await backgroundImage('baseline', baselineSpec, rgb, undefined, 0), pre, 'float32') as Float32Array;
  const ig = await integratedGradients(await runner(), image, baseline, classIndex, steps);
  const plane = rgb.width * rgb.height;
  const pixels = new Float32Array(plane);
  for (let c = 0; c < 3; c++)
    for (let p = 0; p < plane; p++) pixels[p] += ig.attributions[pre.layout === 'nchw' ? c * plane + p : 3 * p + c];
  return {
    method: 'integratedGradients',
    classIndex,
    label: label(classIndex),
    steps,
    width: rgb.width,
    height: rgb.height,
    layout: pre.layout,
    attributions: ig.attributions,
    pixels,
    score: ig.score,
    baselineScore: ig.baselineScore,
    completenessGap: ig.completenessGap,
    evaluations: ig.evaluations,
    image: rgb,
    timings: { runMs: ig.runMs, totalMs: ig.totalMs },
  };
}
