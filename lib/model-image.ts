// SPDX-License-Identifier: MIT
/**
 * An input image as the model sees it: decoded, brought to the model's channel count and fitted to
 * its size. RGB models (3 channels) take any input as before; a grayscale model (1 channel) takes any
 * input as its luma; a model of another count C takes raw pixels of exactly C channels, used as the
 * model's channels in order.
 */
import { floatRgbImage, loadImage, pixelValues, rawBands, type ImageInput, type RgbImage } from './image';
import { fitToModel, type ResolvedPreprocess } from './preprocess';

/** Rec. 601 luma weights (what sharp's greyscale and PIL's 'L' use). */
const LUMA = [0.299, 0.587, 0.114] as const;

/**
 * The one channel of a grayscale model: each pixel's luma, in float (a gray pixel, R = G = B, is
 * its value exactly).
 */
function luma(rgb: RgbImage): RgbImage {
  const v = pixelValues(rgb);
  const n = rgb.width * rgb.height;
  const out = new Float32Array(n);
  for (let i = 0; i < n; i++) {
    const r = v[3 * i],
      g = v[3 * i + 1],
      b = v[3 * i + 2];
    out[i] = r === g && g === b ? r : LUMA[0] * r + LUMA[1] * g + LUMA[2] * b;
  }
  return floatRgbImage(out, rgb.width, rgb.height, 1);
}

/**
 * Decodes `input`, brings it to the model's channels (`p.channelCount`) and fits it to the model's
 * size ({@link fitToModel}).
 *
 * - 3 channels (RGB): {@link loadImage}, unchanged.
 * - 1 channel (grayscale): any input, as its luma `0.299 R + 0.587 G + 0.114 B` in float (a gray
 *   image, such as a 16-bit grayscale PNG, gives its own values).
 * - C other than 1 and 3 (2 up to MAX_MODEL_CHANNELS, 1024): raw pixels `{ data, width, height,
 *   channels: C }` (Uint8Array, Uint16Array read as v/257, or Float32Array), interleaved, each
 *   channel the model's channel of the same index.
 *
 * The result carries the model's channels as float `values` (`bands` per pixel) with an 8-bit RGB
 * view in `data` for segmentation and pictures (the first channel as gray for 1 or 2 channels, the
 * first three as RGB for more).
 *
 * @throws TypeError for an encoded image or path given to a model of 2 or more than 3 channels;
 *   RangeError naming `image.channels` for raw pixels of another channel count; the errors of
 *   {@link loadImage} otherwise.
 */
export async function prepareImage(input: ImageInput, p: ResolvedPreprocess): Promise<RgbImage> {
  const C = p.channelCount;
  if (C === 3) return fitToModel(await loadImage(input), p);
  if (C === 1) return fitToModel(luma(await loadImage(input)), p);
  return fitToModel(rawBands(input, C), p);
}
