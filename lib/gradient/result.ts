// SPDX-License-Identifier: MIT
/**
 * What every gradient method's result (Integrated Gradients, SmoothGrad, Grad-CAM) has in common, so
 * that pictures, saving and the CLI read one shape; each method's result adds its own fields.
 */
import type { RgbImage } from '../image';
import type { Layout } from '../preprocess';

/** A per-pixel map for one class of one image. */
export interface GradientMapResult {
  classIndex: number;
  label: string;
  /** The model's input size (the image as fitted to the model, {@link image}). */
  width: number;
  height: number;
  /** `width · height` values, row-major: the method's map (per-pixel sums for attributions). */
  pixels: Float32Array;
  /** The image as the model saw it (fitted to its input size), for pictures (`renderGradient`). */
  image: RgbImage;
  /** Gradient evaluations, besides one forward pass choosing the class. */
  evaluations: number;
  timings: { runMs: number; totalMs: number };
}

/** A map with an attribution per model input element, which {@link GradientMapResult.pixels} sums per pixel. */
export interface ChannelAttributions {
  /** Layout of `attributions`: the model's. */
  layout: Layout;
  /** One value per model input element (`3·H·W`, in `layout`). */
  attributions: Float32Array;
}
