// SPDX-License-Identifier: MIT
/**
 * `Explainer.smoothGrad`: options checked, the image preprocessed, the class chosen, the noise
 * scaled to the input's range, and the mean gradient (or gradient×input) summed per pixel.
 *
 * @packageDocumentation
 */
import type { RgbImage } from '../image';
import type { Model } from '../model/types';
import { toTensorData, type ResolvedPreprocess } from '../preprocess';
import { topK } from '../rank';
import { DEFAULT_SEED } from '../rng';
import { checkChoice, checkNumber, checkOptions, optionalNumber, optionalSeed } from '../validate';
import type { ChannelAttributions, GradientMapResult } from './result';
import type { GradientRunner } from './runner';
import { DEFAULT_SMOOTHGRAD_NOISE, DEFAULT_SMOOTHGRAD_SAMPLES, smoothGradients } from './smooth';

/** Options of `Explainer.smoothGrad`. */
export interface SmoothGradOptions {
  /** The class explained. Default: the top class of the image. */
  classIndex?: number;
  /** Noisy copies averaged, integer 1..100000. Default 50. */
  nSamples?: number;
  /**
   * Standard deviation of the noise as a fraction of the preprocessed image's value range
   * (max − min over its elements), as Smilkov et al.'s noise level, in [0, 10]. Default 0.15.
   */
  noise?: number;
  /** 'gradient' (default): the mean gradient; 'gradient*input': the mean gradient times the image. */
  variant?: 'gradient' | 'gradient*input';
  /** Seed of the noise. Default 42. */
  seed?: number;
}

/** SmoothGrad of one image for one class: `attributions` is the mean gradient, or it times the image (`variant`). */
export interface SmoothGradResult extends GradientMapResult, ChannelAttributions {
  /** Always `'smoothGrad'`: tells this result from the other gradient results. */
  method: 'smoothGrad';
  variant: 'gradient' | 'gradient*input';
  nSamples: number;
  /** The `noise` option. */
  noise: number;
  /** The noise's standard deviation in the model's input space (noise × the image's range). */
  sigma: number;
  seed: number;
  /** The class's score at the image. */
  score: number;
  /** The class's mean score over the noisy copies. */
  meanNoisyScore: number;
}

/**
 * Runs SmoothGrad for `rgb` (already fitted to the model).
 * @param runner - resolves to the model's (cached) gradient runner once softmax is decided.
 */
export async function runSmoothGrad(
  model: Model,
  pre: ResolvedPreprocess,
  rgb: RgbImage,
  options: SmoothGradOptions | undefined,
  label: (index: number) => string,
  runner: () => Promise<GradientRunner>,
): Promise<SmoothGradResult> {
  const o = checkOptions('options', options, ['classIndex', 'nSamples', 'noise', 'variant', 'seed']);
  const nSamples = optionalNumber('nSamples', o.nSamples, DEFAULT_SMOOTHGRAD_SAMPLES, { integer: true, min: 1, max: 100000 });
  const noise = optionalNumber('noise', o.noise, DEFAULT_SMOOTHGRAD_NOISE, { min: 0, max: 10 });
  const variant = o.variant === undefined ? 'gradient' : checkChoice('variant', o.variant, ['gradient', 'gradient*input'] as const);
  const seed = optionalSeed('seed', o.seed, DEFAULT_SEED);
  const classOption = o.classIndex === undefined ? undefined : checkNumber('classIndex', o.classIndex, { integer: true, min: 0 });
  const image = toTensorData(rgb, pre, 'float32') as Float32Array;
  // One forward pass: the top class, and softmax decided (its gradient is then part of the model's).
  const scores = await model.run(image, 1, [rgb.height, rgb.width]);
  const classIndex = classOption ?? topK(scores, 1)[0];
  if (classIndex >= scores.length) checkNumber('classIndex', classIndex, { integer: true, min: 0, max: scores.length - 1 });
  let lo = Infinity;
  let hi = -Infinity;
  for (const v of image) {
    if (v < lo) lo = v;
    if (v > hi) hi = v;
  }
  const sigma = noise * (hi - lo);
  const sg = await smoothGradients(await runner(), image, classIndex, nSamples, sigma, seed);
  const attributions = variant === 'gradient' ? sg.gradients : sg.gradients.map((g, i) => g * image[i]);
  const plane = rgb.width * rgb.height;
  const pixels = new Float32Array(plane);
  for (let c = 0; c < 3; c++) for (let p = 0; p < plane; p++) pixels[p] += attributions[pre.layout === 'nchw' ? c * plane + p : 3 * p + c];
  return {
    method: 'smoothGrad',
    classIndex,
    label: label(classIndex),
    variant,
    nSamples,
    noise,
    sigma,
    seed,
    width: rgb.width,
    height: rgb.height,
    layout: pre.layout,
    attributions,
    pixels,
    score: scores[classIndex],
    image: rgb,
    meanNoisyScore: sg.meanScore,
    evaluations: sg.evaluations,
    timings: { runMs: sg.runMs, totalMs: sg.totalMs },
  };
}
