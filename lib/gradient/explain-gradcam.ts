// SPDX-License-Identifier: MIT
/**
 * `Explainer.gradCam`: options checked, the class and the layer chosen, the layer's activation and
 * gradient taken from the layer's gradient model, and the map (./gradcam.ts) upsampled bilinearly
 * to the model's input size, the size the other gradient results have.
 *
 * @packageDocumentation
 */
import { performance } from 'node:perf_hooks';
import { resizeFloat } from '../float-resize';
import type { RgbImage } from '../image';
import type { Model } from '../model/types';
import { toTensorData, type ResolvedPreprocess } from '../preprocess';
import { topK } from '../rank';
import { checkNumber, checkOptions, typeError } from '../validate';
import { camMap, chooseLayer } from './gradcam';
import type { GradientMapResult } from './result';
import type { GradientRunner } from './runner';

/** Options of `Explainer.gradCam`. */
export interface GradCamOptions {
  /** The class explained. Default: the top class of the image. */
  classIndex?: number;
  /**
   * The name of the node output used as the activation A (a 4-D `[N, C, h, w]` value; `[N, h, w, C]`
   * for a model with an NHWC input). Default: the last 4-D value with h·w > 1 on the way from the
   * image to the output — for a CNN, the last feature map before the global pooling.
   */
  layer?: string;
}

/** Grad-CAM of one image for one class. */
export interface GradCamResult extends GradientMapResult {
  /** Always `'gradcam'`: tells this result from the other gradient results. */
  method: 'gradcam';
  /**
   * The class's probability (what `classify` returns) at the image. The score differentiated is the
   * logit (Grad-CAM's y^c): before the library's softmax, or before the model's own final Softmax.
   */
  probability: number;
  /** The layer used. */
  layer: string;
  /** Whether {@link layer} was chosen by default (no `layer` option). */
  defaultLayer: boolean;
  /** The layer's channels, height and width. */
  layerShape: [channels: number, height: number, width: number];
  /** α_c: the mean gradient of each channel. */
  weights: Float32Array;
  /** ReLU(Σ α_c A_c) at the layer's resolution: `layerShape[1] · layerShape[2]` values, row-major. */
  cam: Float32Array;
  /** {@link cam} upsampled bilinearly to the model's input: `width · height` values, row-major. */
  pixels: Float32Array;
}

/**
 * Runs Grad-CAM for `rgb` (already fitted to the model).
 * @param base - resolves to the model's cached gradient runner (its values list the layers).
 * @param forLayer - resolves to the cached gradient runner that outputs that layer and its gradient.
 */
export async function runGradCam(
  model: Model,
  pre: ResolvedPreprocess,
  rgb: RgbImage,
  options: GradCamOptions | undefined,
  label: (index: number) => string,
  base: () => Promise<GradientRunner>,
  forLayer: (layer: string) => Promise<GradientRunner>,
): Promise<GradCamResult> {
  const t0 = performance.now();
  const o = checkOptions('options', options, ['classIndex', 'layer']);
  if (o.layer !== undefined && typeof o.layer !== 'string') throw typeError('layer', 'a string (the name of a node output)', o.layer);
  const classOption = o.classIndex === undefined ? undefined : checkNumber('classIndex', o.classIndex, { integer: true, min: 0 });
  const image = toTensorData(rgb, pre, 'float32') as Float32Array;
  const probabilities = await model.run(image, 1, [rgb.height, rgb.width]);
  const classIndex = classOption ?? topK(probabilities, 1)[0];
  if (classIndex >= probabilities.length) checkNumber('classIndex', classIndex, { integer: true, min: 0, max: probabilities.length - 1 });
  const chosen = chooseLayer(o.layer as string | undefined, (await base()).values, pre.layout);
  const runner = await forLayer(chosen.value.name);
  const weights = new Float32Array(runner.classes);
  weights[classIndex] = 1;
  const out = await runner.run(image, 1, weights);
  const g = chosen.geometry;
  const cam = camMap(out.activations as Float32Array, out.layerGradients as Float32Array, g);
  const pixels = resizeFloat(cam.map, g.width, g.height, 1, rgb.width, rgb.height, 'linear');
  return {
    method: 'gradcam',
    classIndex,
    label: label(classIndex),
    probability: probabilities[classIndex],
    layer: chosen.value.name,
    defaultLayer: chosen.isDefault,
    layerShape: [g.channels, g.height, g.width],
    weights: cam.weights,
    cam: cam.map,
    pixels,
    width: rgb.width,
    height: rgb.height,
    image: rgb,
    evaluations: 1,
    timings: { runMs: out.runMs, totalMs: performance.now() - t0 },
  };
}
