// SPDX-License-Identifier: MIT
/**
 * The drawing surface every renderer paints on: the library's one image type ({@link RgbImage},
 * from ../image), colours, argument checks, filled rectangles and opaque copies.
 *
 * Why by hand and not with sharp: these are a few loops over bytes the renderers call hundreds of
 * times per picture (one per glyph pixel, one per colour-bar column), synchronously, so that
 * `contactSheet` and the other renderers stay plain functions; sharp is asynchronous and used where
 * it does the job identically: PNG encoding (png.ts) and image input (../image.ts).
 */
import type { RgbImage } from '../image';

export type { RgbImage };

/** An RGB colour, each component an integer 0..255. */
export type Rgb = readonly [number, number, number];

/** Per-pixel values laid out row-major like an {@link RgbImage}'s pixels. */
export type PixelValues = Float32Array | Float64Array;

/** White. */
export const WHITE: Rgb = [255, 255, 255];
/** The dark grey used for text in the renderers. */
export const TEXT_DARK: Rgb = [34, 34, 34];

/** Throws a TypeError unless `v` is a positive integer. */
export function assertPositiveInt(v: unknown, name: string): asserts v is number {
  if (typeof v !== 'number' || !Number.isInteger(v) || v <= 0) {
    throw new TypeError(`${name} must be a positive integer, got ${String(v)}`);
  }
}

/** Throws a TypeError unless `v` is a finite number. */
export function assertFinite(v: unknown, name: string): asserts v is number {
  if (typeof v !== 'number' || !Number.isFinite(v)) {
    throw new TypeError(`${name} must be a finite number, got ${String(v)}`);
  }
}

/**
 * Throws unless `img` is a well-formed {@link RgbImage}.
 * @param img - the value to check
 * @param name - the parameter name used in the error message (default `'image'`)
 * @throws TypeError when the shape or the data type is wrong, RangeError when
 *   `data.length !== width * height * 3`.
 */
export function assertRgbImage(img: unknown, name = 'image'): asserts img is RgbImage {
  if (typeof img !== 'object' || img === null) {
    throw new TypeError(`${name} must be an RgbImage { data, width, height }`);
  }
  const o = img as Partial<RgbImage>;
  if (!(o.data instanceof Uint8Array)) {
    throw new TypeError(`${name}.data must be a Uint8Array (RGB, 3 channels)`);
  }
  assertPositiveInt(o.width, `${name}.width`);
  assertPositiveInt(o.height, `${name}.height`);
  if (o.data.length !== o.width * o.height * 3) {
    throw new RangeError(
      `${name}.data has length ${o.data.length}, expected width*height*3 = ${o.width}*${o.height}*3 = ${o.width * o.height * 3}`,
    );
  }
}

/**
 * Throws a TypeError unless `c` is an RGB triple of numbers in 0..255.
 * @param c - the value to check
 * @param name - the parameter name used in the error message
 */
export function assertRgb(c: unknown, name: string): asserts c is Rgb {
  if (
    !Array.isArray(c) ||
    c.length !== 3 ||
    !c.every((v: unknown) => typeof v === 'number' && Number.isFinite(v) && v >= 0 && v <= 255)
  ) {
    throw new TypeError(`${name} must be an [r, g, b] array of numbers in 0..255`);
  }
}

/** Throws a RangeError unless `arr` has exactly `n` elements (`what` explains `n` in the message). */
export function assertLength(arr: ArrayLike<number>, n: number, name: string, what: string): void {
  if (arr.length !== n) {
    throw new RangeError(`${name} has length ${arr.length}, expected ${what} = ${n}`);
  }
}

/**
 * Creates a `width × height` image filled with one colour.
 * @param width - positive integer
 * @param height - positive integer
 * @param fill - background colour (default white `[255, 255, 255]`)
 */
export function createImage(width: number, height: number, fill: Rgb = WHITE): RgbImage {
  assertPositiveInt(width, 'width');
  assertPositiveInt(height, 'height');
  assertRgb(fill, 'fill');
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
  assertRgbImage(img, 'img');
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
 * Copies `src` into `dst` with its top-left corner at `(x, y)`, clipped to `dst` (opaque: the
 * renderers lay pictures side by side, they never blend whole images).
 * @param dst - target image (modified in place)
 * @param src - source image (scale it first with `resizeImage` from resize.ts)
 * @param x - target column of the source's left edge (may be negative; rounded)
 * @param y - target row of the source's top edge (may be negative; rounded)
 */
export function blit(dst: RgbImage, src: RgbImage, x: number, y: number): void {
  assertRgbImage(dst, 'dst');
  assertRgbImage(src, 'src');
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
  assertRgbImage(img, 'img');
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
