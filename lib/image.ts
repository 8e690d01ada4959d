// SPDX-License-Identifier: MIT
/**
 * Image input: file paths, encoded bytes (PNG, JPEG, WebP, anything sharp decodes) and raw pixels,
 * all turned into 8-bit RGB (gray replicated, alpha dropped), optionally resized.
 */
import sharp from 'sharp';
import { MAX_INPUT_BYTES, readRegularFile } from './read-file';
import { checkNumber, optionalNumber, rangeError, typeError } from './validate';

export { MAX_INPUT_BYTES };

/**
 * Raw pixels as a caller hands them in, row-major, interleaved channels (1 gray, 2 gray+alpha,
 * 3 RGB, 4 RGBA): an input format of {@link loadImage}, which turns it into an {@link RgbImage}.
 */
export interface RawImage {
  data: Uint8Array;
  width: number;
  height: number;
  channels: 1 | 2 | 3 | 4;
}

/** What every function that takes an image accepts: a file path, encoded bytes, or raw pixels. */
export type ImageInput = string | Uint8Array | RawImage;

/**
 * The library's one image type: 8-bit RGB pixels, row-major, interleaved,
 * `data.length === width * height * 3`. What {@link loadImage} returns, what the kernels take, what
 * results carry (`LimeResult.image`, `ShapResult.image`) and what the renderers draw on.
 */
export interface RgbImage {
  data: Uint8Array;
  width: number;
  height: number;
}

/**
 * Throws unless `value` is a well-formed {@link RgbImage}: the one check of the one image type.
 * @param name - what the image is, for the message (a parameter name such as `'image'`).
 * @param value - the value to check.
 * @throws TypeError naming `name` for a non-object or `data` that is not a Uint8Array; RangeError for
 *   a width or height that is not a positive integer, or `data.length !== width * height * 3`.
 */
export function checkRgbImage(name: string, value: unknown): asserts value is RgbImage {
  if (typeof value !== 'object' || value === null) throw typeError(name, 'an RGB image { data, width, height }', value);
  const { data, width, height } = value as Partial<RgbImage>;
  if (!(data instanceof Uint8Array)) throw typeError(`${name}.data`, 'a Uint8Array', data);
  checkNumber(`${name}.width`, width, { integer: true, min: 1 });
  checkNumber(`${name}.height`, height, { integer: true, min: 1 });
  if (data.length !== (width as number) * (height as number) * 3)
    throw rangeError(
      `${name}.data`,
      `length ${(width as number) * (height as number) * 3} (${width} x ${height} x 3)`,
      `length ${data.length}`,
    );
}

/** Resize target; the aspect ratio is not kept (as LIME's reference inputs were made). */
export interface ResizeOptions {
  width: number;
  height: number;
}

/** The largest image accepted, in pixels (8192 × 8192): larger inputs get a RangeError. */
export const MAX_PIXELS = 8192 * 8192;

/** Options of {@link loadImage}. */
export interface LoadImageOptions {
  /**
   * The most bytes read from an image file path (default {@link MAX_INPUT_BYTES}, 256 MiB). Only
   * regular files are read: a FIFO, a device (`/dev/zero`) or a directory is an Error, never a hang.
   */
  maxInputBytes?: number;
}

/**
 * Checks that an image the library is about to make (an input, a resize target, or an
 * intermediate image such as the aspect-preserving resize before a centre crop) has at most
 * {@link MAX_PIXELS} pixels, before any memory is spent on it: a 1 x 5000 PNG of 204 bytes would
 * otherwise become 256 x 1,280,000 pixels on its way to a 224 x 224 crop.
 *
 * @param name - what the size belongs to, for the message (an option or an input).
 * @param width - width in pixels (any finite number; non-integers are rounded up).
 * @param height - height in pixels.
 * @throws RangeError naming `name` and the size when `width * height > MAX_PIXELS`.
 */
export function checkPixels(name: string, width: number, height: number): void {
  if (!(Math.ceil(width) * Math.ceil(height) <= MAX_PIXELS))
    throw rangeError(name, `at most ${MAX_PIXELS} pixels (8192 x 8192)`, `${Math.ceil(width)}x${Math.ceil(height)}`);
}

function isRawImage(input: unknown): input is RawImage {
  return typeof input === 'object' && input !== null && !ArrayBuffer.isView(input) && 'data' in input;
}

function checkSize(name: string, width: unknown, height: unknown): void {
  checkNumber(`${name}.width`, width, { integer: true, min: 1 });
  checkNumber(`${name}.height`, height, { integer: true, min: 1 });
  checkPixels(name, width as number, height as number);
}

function toRgb(data: Uint8Array, width: number, height: number, channels: number): RgbImage {
  if (channels === 3) return { data: new Uint8Array(data.buffer, data.byteOffset, width * height * 3), width, height };
  const out = new Uint8Array(width * height * 3);
  const n = width * height;
  for (let i = 0; i < n; i++) {
    const src = i * channels;
    if (channels <= 2) {
      out[3 * i] = out[3 * i + 1] = out[3 * i + 2] = data[src];
    } else {
      out[3 * i] = data[src];
      out[3 * i + 1] = data[src + 1];
      out[3 * i + 2] = data[src + 2];
    }
  }
  return { data: out, width, height };
}

/**
 * Decodes or checks an image and returns 8-bit RGB pixels.
 *
 * @param input - a file path, encoded image bytes (PNG, JPEG, WebP, TIFF, GIF…), or raw pixels
 *   `{ data, width, height, channels }` with `data.length === width * height * channels`.
 * @param resize - optional `{ width, height }` to resize to (bilinear, aspect ratio not kept).
 * @param options - see {@link LoadImageOptions} (default: `maxInputBytes` 256 MiB).
 * @throws TypeError for an input of the wrong type; RangeError for bad dimensions, a raw buffer
 *   whose length does not match, or more than {@link MAX_PIXELS} pixels; Error for a missing file
 *   or data that is not a supported image; Error naming the path for a file that is not a regular
 *   file (directory, FIFO, device, socket); RangeError naming `maxInputBytes` for a longer file.
 */
export async function loadImage(input: ImageInput, resize?: ResizeOptions, options?: LoadImageOptions): Promise<RgbImage> {
  let maxInputBytes = MAX_INPUT_BYTES;
  if (options !== undefined) {
    if (typeof options !== 'object' || options === null) throw typeError('options', 'an object { maxInputBytes }', options);
    maxInputBytes = optionalNumber('options.maxInputBytes', options.maxInputBytes, MAX_INPUT_BYTES, { integer: true, min: 1 });
  }
  if (resize !== undefined) {
    if (typeof resize !== 'object' || resize === null) throw typeError('resize', 'an object { width, height }', resize);
    checkSize('resize', resize.width, resize.height);
  }
  let rgb: RgbImage;
  if (typeof input === 'string') {
    const bytes = await readRegularFile(input, { maxBytes: maxInputBytes, what: 'image file' });
    rgb = await decode(bytes, input);
  } else if (input instanceof Uint8Array) {
    rgb = await decode(input, 'image buffer');
  } else if (isRawImage(input)) {
    const { data, width, height, channels } = input;
    if (!((data as unknown) instanceof Uint8Array) && !((data as unknown) instanceof Uint8ClampedArray))
      throw typeError('image.data', 'a Uint8Array', data);
    checkSize('image', width, height);
    if (channels !== 1 && channels !== 2 && channels !== 3 && channels !== 4) throw rangeError('image.channels', '1, 2, 3 or 4', channels);
    const expected = width * height * channels;
    if (data.length !== expected)
      throw rangeError('image.data', `length ${expected} (${width} x ${height} x ${channels})`, `length ${data.length}`);
    rgb = toRgb(new Uint8Array(data.buffer, data.byteOffset, data.length), width, height, channels);
  } else {
    throw typeError('image', 'a file path, an encoded image (Buffer/Uint8Array) or raw pixels { data, width, height, channels }', input);
  }
  if (resize && (resize.width !== rgb.width || resize.height !== rgb.height)) {
    const { data, info } = await sharp(rgb.data, { raw: { width: rgb.width, height: rgb.height, channels: 3 } })
      .resize(resize.width, resize.height, { fit: 'fill', kernel: 'linear' })
      .raw()
      .toBuffer({ resolveWithObject: true });
    rgb = toRgb(new Uint8Array(data.buffer, data.byteOffset, data.length), info.width, info.height, info.channels);
  }
  return rgb;
}

async function decode(bytes: Uint8Array, what: string): Promise<RgbImage> {
  if (bytes.length === 0) throw new Error(`Unsupported or corrupt image data in ${what}: it is empty`);
  try {
    const image = sharp(bytes, { limitInputPixels: MAX_PIXELS, failOn: 'error' });
    const { data, info } = await image.toColourspace('srgb').raw({ depth: 'uchar' }).toBuffer({ resolveWithObject: true });
    return toRgb(new Uint8Array(data.buffer, data.byteOffset, data.length), info.width, info.height, info.channels);
  } catch (err) {
    const message = (err as Error).message;
    if (/pixel limit/i.test(message)) throw rangeError(what, `at most ${MAX_PIXELS} pixels (8192 x 8192)`, 'a larger image');
    throw new Error(`Unsupported or corrupt image data in ${what}: ${message}`, { cause: err });
  }
}
