// SPDX-License-Identifier: MIT
/**
 * The drawing surface every renderer paints on: the library's one image type ({@link RgbImage},
 * from ../image), colours, argument checks (in validate.ts's words), filled rectangles and opaque copies.
 *
 * Why by hand and not with sharp: these are a few loops over bytes the renderers call hundreds of
 * times per picture (one per glyph pixel, one per colour-bar column), synchronously, so that
 * `contactSheet` and the other renderers stay plain functions; sharp is asynchronous and used where
 * it does the job identically: PNG encoding (png.ts) and image input (../image.ts).
 */
import { type RgbImage, checkRgbImage } from '../image';
import { checkNumber, rangeError, typeError } from '../validate';

export type { RgbImage };

/** An RGB colour, each component an integer 0..255. */
export type Rgb = readonly [number, number, number];

/** Per-pixel values laid out row-major like an {@link RgbImage}'s pixels. */
export type PixelValues = Float32Array | Float64Array;

/** White. */
export const WHITE: Rgb = [255, 255, 255];
/** The dark grey used for text in the renderers. */
export const TEXT_DARK: Rgb = [34, 34, 34];

/**
 * Throws unless `c` is an RGB triple of numbers in 0..255.
 * @param name - the parameter name used in the message
 * @param c - the value to check
 * @throws TypeError for anything but an array of three numbers; RangeError for a component outside 0..255.
 */
export function checkRgb(name: string, c: unknown): asserts c is Rgb {
  if (!Array.isArray(c) || c.length !== 3 || !c.every((v: unknown) => typeof v === 'number'))
    throw typeError(name, 'an [r, g, b] array of numbers in 0..255', c);
  c.forEach((v: number, i) => checkNumber(`${name}[${i}]`, v, { min: 0, max: 255 }));
}

/**
 * Throws a RangeError unless `arr` has exactly `n` elements.
 * @param name - the parameter name used in the message
 * @param arr - the array to check
 * @param n - the length it must have
 * @param what - where `n` comes from, for the message (such as `'image width x height'`)
 */
export function checkLength(name: string, arr: ArrayLike<number>, n: number, what: string): void {
  if (arr.length !== n) throw rangeError(name, `length ${n} (${what})`, `length ${arr.length}`);
}

/**
 * Throws unless `labels` is an Int32Array label map of `width × height` entries.
 * @param name - the parameter name used in the message
 * @param labels - the value to check
 * @param width - the image's width
 * @param height - the image's height
 */
export function checkLabels(name: string, labels: unknown, width: number, height: number): asserts labels is Int32Array {
  if (!(labels instanceof Int32Array)) throw typeError(name, 'an Int32Array label map (row-major, height x width)', labels);
  checkLength(name, labels, width * height, `image width x height = ${width} x ${height}`);
}

/**
 * Creates a `width × height` image filled with one colour.
 * @param width - positive integer
 * @param height - positive integer
 * @param fill - background colour (default white `[255, 255, 255]`)
 */
export function createImage(width: number, height: number, fill: Rgb = WHITE): RgbImage {
  checkNumber('width', width, { integer: true, min: 1 });
  checkNumber('height', height, { integer: true, min: 1 });
  checkRgb('fill', fill);
  const data = new Uint8Array(width * height * 3);
  const [r, g, b] = fill;
  if (r !== 0 || g !== 0 || b !== 0) {
    for (let i = 0; i < data.length; i += 3) {
      data[i] = r;
      data[i + 1] = g;
      data[i + 2] = b;
    }
  }
  return { data, width, height };
}

/** Returns a deep copy of `img`. */
export function cloneImage(img: RgbImage): RgbImage {
  checkRgbImage('img', img);
  return { data: new Uint8Array(img.data), width: img.width, height: img.height };
}

/** Clamps and rounds to a byte (halves round up, as `Math.round`). */
export function toByte(v: number): number {
  return v <= 0 ? 0 : v >= 255 ? 255 : Math.round(v);
}

/**
 * One channel of `over` painted with opacity `alpha` on `under`: `under * (1 - alpha) + over * alpha`,
 * as a byte. Every blend in the renderers goes through here, in this order of operations, so the
 * pictures' bytes do not depend on which renderer blended.
 */
export function mix(under: number, over: number, alpha: number): number {
  return toByte(under * (1 - alpha) + over * alpha);
}

/**
 * Fills an axis-aligned rectangle with an opaque colour, clipped to the image.
 * @param img - target image (modified in place)
 * @param x - left column (may be negative; clipped; rounded)
 * @param y - top row (may be negative; clipped; rounded)
 * @param w - width in pixels (≤ 0 draws nothing)
 * @param h - height in pixels (≤ 0 draws nothing)
 * @param color - RGB colour
 */
export function fillRect(img: RgbImage, x: number, y: number, w: number, h: number, color: Rgb): void {
  const x0 = Math.max(0, Math.round(x));
  const y0 = Math.max(0, Math.round(y));
  const x1 = Math.min(img.width, Math.round(x + w));
  const y1 = Math.min(img.height, Math.round(y + h));
  for (let yy = y0; yy < y1; yy++) {
    for (let xx = x0; xx < x1; xx++) img.data.set(color, (yy * img.width + xx) * 3);
  }
}

/**
 * Draws a one-pixel line from (x0, y0) to (x1, y1) (integer ends), clipped to the image: the
 * charts' curves and connecting lines (curves.ts, sweep-charts.ts).
 * @param img - target image (modified in place)
 * @param color - RGB colour
 */
export function drawLine(img: RgbImage, x0: number, y0: number, x1: number, y1: number, color: Rgb): void {
  const steps = Math.max(Math.abs(x1 - x0), Math.abs(y1 - y0), 1);
  for (let s = 0; s <= steps; s++) {
    const x = Math.round(x0 + ((x1 - x0) * s) / steps);
    const y = Math.round(y0 + ((y1 - y0) * s) / steps);
    if (x >= 0 && y >= 0 && x < img.width && y < img.height) img.data.set(color, (y * img.width + x) * 3);
  }
}

/**
 * Copies `src` into `dst` with its top-left corner at `(x, y)`, clipped to `dst` (opaque: the
 * renderers lay pictures side by side, they never blend whole images).
 * @param dst - target image (modified in place)
 * @param src - source image (scale it first with `resizeImage` from resize.ts)
 * @param x - target column of the source's left edge (may be negative; rounded)
 * @param y - target row of the source's top edge (may be negative; rounded)
 */
export function blit(dst: RgbImage, src: RgbImage, x: number, y: number): void {
  checkRgbImage('dst', dst);
  checkRgbImage('src', src);
  const ox = Math.round(x);
  const oy = Math.round(y);
  const x0 = Math.max(0, -ox);
  const x1 = Math.min(src.width, dst.width - ox);
  if (x1 <= x0) return;
  for (let yy = Math.max(0, -oy); yy < src.height && oy + yy < dst.height; yy++) {
    const row = src.data.subarray((yy * src.width + x0) * 3, (yy * src.width + x1) * 3);
    dst.data.set(row, ((oy + yy) * dst.width + ox + x0) * 3);
  }
}

/**
 * Returns a greyscale copy (still 3 channels) using ITU-R 601 luma
 * `0.2989 R + 0.5870 G + 0.1140 B` (the weights shap's `image_plot` uses), rounded.
 * Not sharp's `greyscale()` (libvips weighs linear light: up to 172 levels apart) nor
 * `recomb()` with these weights (it truncates; even with +0.5 it differs on 876 of the 2^24 colours).
 */
export function toGrayscale(img: RgbImage): RgbImage {
  checkRgbImage('img', img);
  const out = new Uint8Array(img.data.length);
  const d = img.data;
  for (let i = 0; i < d.length; i += 3) {
    const v = toByte(0.2989 * (d[i] ?? 0) + 0.587 * (d[i + 1] ?? 0) + 0.114 * (d[i + 2] ?? 0));
    out[i] = v;
    out[i + 1] = v;
    out[i + 2] = v;
  }
  return { data: out, width: img.width, height: img.height };
}
