// SPDX-License-Identifier: MIT
/**
 * Image input: file paths, encoded bytes (PNG, JPEG, WebP, anything sharp decodes) and raw pixels,
 * all turned into RGB (gray replicated, alpha dropped), optionally resized. 8-bit inputs become
 * 8-bit RGB; 16-bit PNG/TIFF files and raw Uint16Array/Float32Array pixels also keep their exact
 * values as floats ({@link RgbImage.values}), which the explanations composite without rounding.
 */
import sharp from 'sharp';
import { resizeFloat } from './float-resize';
import { MAX_INPUT_BYTES, readRegularFile } from './read-file';
import { checkNumber, optionalNumber, rangeError, typeError } from './validate';

export { MAX_INPUT_BYTES };

/**
 * Raw pixels as a caller hands them in, row-major, interleaved channels (1 gray, 2 gray+alpha,
 * 3 RGB, 4 RGBA): an input format of {@link loadImage}, which turns it into an {@link RgbImage}.
 *
 * `data` is 8-bit (Uint8Array), 16-bit (Uint16Array: value v is read as v/257, so 65535 is 255 and
 * an 8-bit image scaled by 257 is that 8-bit image exactly) or float (Float32Array: any finite
 * values, on the 8-bit scale: 0..255 spans what 8 bits do, and the preprocessing's `scale`, 1/255 in
 * the ImageNet preset, applies as to 8-bit pixels; give `preprocess.scale: 1` for data in 0..1).
 */
export interface RawImage {
  data: Uint8Array | Uint8ClampedArray | Uint16Array | Float32Array;
  width: number;
  height: number;
  /**
   * Values per pixel: 1 to 4 for an RGB or grayscale model (gray, gray + alpha, RGB, RGBA), or exactly
   * the model's C for a model of C channels (see the README's "Models of other channel counts").
   */
  channels: number;
  /**
   * With 8-bit `data` and `channels: 3` only: the exact pixels of which `data` is the 8-bit view,
   * as an {@link RgbImage} from {@link loadImage} carries them, so that `{ ...rgb, channels: 3 }`
   * loses nothing (these are used, and `data` only checked). Default: none.
   */
  values?: Float32Array;
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
  /**
   * Present for 16-bit and float images: the exact pixels (3 per pixel, on the 8-bit scale: 16-bit
   * v is v/257), of which `data` is the 8-bit view (clamped to 0..255, rounded to nearest). Model
   * input and hidden features are computed from these; segmentation and pictures use `data`.
   */
  values?: Float32Array;
  /**
   * Channels per pixel of `values` (default 3): a model of another channel count (1 grayscale, more
   * multispectral) is explained on its own channels, and `data` then shows the first channel as gray
   * (one or two channels) or the first three as RGB. See prepareImage (model-image.ts).
   */
  bands?: number;
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
  const { values, bands = 3 } = value as Partial<RgbImage>;
  checkNumber(`${name}.bands`, bands, { integer: true, min: 1 });
  if (values !== undefined) {
    if (!(values instanceof Float32Array)) throw typeError(`${name}.values`, 'a Float32Array', values);
    const expected = (data.length / 3) * bands;
    if (values.length !== expected)
      throw rangeError(`${name}.values`, `length ${expected} (${bands} per pixel)`, `length ${values.length}`);
  } else if (bands !== 3) throw rangeError(`${name}.bands`, '3 for an image without values', bands);
}

/**
 * The 8-bit view of float pixels on the 8-bit scale: each value clamped to 0..255 and rounded to
 * nearest (halves up).
 */
export function eightBitView(values: Float32Array): Uint8Array {
  const out = new Uint8Array(values.length);
  for (let i = 0; i < values.length; i++) {
    const v = values[i];
    out[i] = v <= 0 ? 0 : v >= 255 ? 255 : Math.round(v);
  }
  return out;
}

/**
 * An image of float pixels (`bands` per pixel, 8-bit scale; default 3, RGB) with its 8-bit RGB view:
 * the first band as gray for one or two bands, the first three as RGB for more.
 */
export function floatRgbImage(values: Float32Array, width: number, height: number, bands = 3): RgbImage {
  if (bands === 3) return { data: eightBitView(values), width, height, values };
  const n = width * height;
  const rgb = new Float32Array(n * 3);
  for (let i = 0; i < n; i++) for (let c = 0; c < 3; c++) rgb[3 * i + c] = values[bands * i + (bands < 3 ? 0 : c)];
  return { data: eightBitView(rgb), width, height, values, bands };
}

/** The float pixels of an image: its `values`, or its 8-bit pixels as floats. */
export function pixelValues(rgb: RgbImage): Float32Array {
  return rgb.values ?? Float32Array.from(rgb.data);
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

/**
 * Interleaved pixels of 1..4 channels (16-bit or float) as 3 float values per pixel on the 8-bit
 * scale (each value divided by `divisor`): gray replicated, alpha dropped.
 */
function toRgbValues(data: ArrayLike<number>, width: number, height: number, channels: number, divisor: number): Float32Array {
  const n = width * height;
  const out = new Float32Array(n * 3);
  for (let i = 0; i < n; i++) {
    const src = i * channels;
    for (let c = 0; c < 3; c++) out[3 * i + c] = data[channels <= 2 ? src : src + c] / divisor;
  }
  return out;
}

/** Read 16-bit v as v/257: 65535 is 255, and 257·x is the 8-bit x exactly. */
const DIVISOR_16 = 257;

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
 * Decodes or checks an image and returns RGB pixels: 8-bit, with the exact float values as well
 * for 16-bit and float inputs.
 *
 * @param input - a file path, encoded image bytes (PNG, JPEG, WebP, TIFF, GIF…), or raw pixels
 *   `{ data, width, height, channels }` with `data.length === width * height * channels` (see
 *   {@link RawImage}: 8-bit, 16-bit or float data). 16-bit PNG/TIFF files and 16-bit or float raw
 *   pixels give an image with `values` (their exact pixels, 16-bit v as v/257).
 * @param resize - optional `{ width, height }` to resize to (bilinear, aspect ratio not kept; float
 *   pixels by float-resize.ts, without rounding).
 * @param options - see {@link LoadImageOptions} (default: `maxInputBytes` 256 MiB).
 * @throws TypeError for an input of the wrong type; RangeError for bad dimensions, a raw buffer
 *   whose length does not match (a detached one included), a NaN or infinite float pixel, or more
 *   than {@link MAX_PIXELS} pixels; Error for a missing file or data that is not a supported image; Error naming the path for a file that is not a regular
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
    rgb = rawToRgb(input);
  } else {
    throw typeError('image', 'a file path, an encoded image (Buffer/Uint8Array) or raw pixels { data, width, height, channels }', input);
  }
  if (resize && (resize.width !== rgb.width || resize.height !== rgb.height) && rgb.values) {
    rgb = floatRgbImage(
      resizeFloat(rgb.values, rgb.width, rgb.height, 3, resize.width, resize.height, 'linear'),
      resize.width,
      resize.height,
    );
  } else if (resize && (resize.width !== rgb.width || resize.height !== rgb.height)) {
    const { data, info } = await sharp(rgb.data, { raw: { width: rgb.width, height: rgb.height, channels: 3 } })
      .resize(resize.width, resize.height, { fit: 'fill', kernel: 'linear' })
      .raw()
      .toBuffer({ resolveWithObject: true });
    rgb = toRgb(new Uint8Array(data.buffer, data.byteOffset, data.length), info.width, info.height, info.channels);
  }
  return rgb;
}

const typedArrayLength = Object.getOwnPropertyDescriptor(Object.getPrototypeOf(Uint8Array.prototype), 'length')!.get as (
  this: ArrayBufferView,
) => number;

/** The checked type of raw data: 8-bit, 16-bit or float. */
function rawKind(data: unknown): 8 | 16 | 32 {
  if (data instanceof Uint8Array || data instanceof Uint8ClampedArray) return 8;
  if (data instanceof Uint16Array) return 16;
  if (data instanceof Float32Array) return 32;
  throw typeError('image.data', 'a Uint8Array, Uint16Array or Float32Array', data);
}

/**
 * Checks that `data` holds `width · height · channels` values (the engine's own length: a subclass
 * may override `length`; a detached buffer reads as 0 and is refused like any other wrong length).
 */
function checkRawLength(data: ArrayBufferView, width: number, height: number, channels: number): void {
  const expected = width * height * channels;
  const length = typedArrayLength.call(data);
  if (length !== expected) throw rangeError('image.data', `length ${expected} (${width} x ${height} x ${channels})`, `length ${length}`);
}

/** Throws a RangeError naming `what[i]` at the first value that is not finite. */
function checkFinite(what: string, values: Float32Array): void {
  for (let i = 0; i < values.length; i++) if (!Number.isFinite(values[i])) throw rangeError(`${what}[${i}]`, 'a finite number', values[i]);
}

/** Checks raw pixels and turns them into RGB (a copy of float data, so later changes do not matter). */
function rawToRgb(input: RawImage): RgbImage {
  const { data, width, height, channels } = input;
  const kind = rawKind(data);
  checkSize('image', width, height);
  if (channels !== 1 && channels !== 2 && channels !== 3 && channels !== 4) throw rangeError('image.channels', '1, 2, 3 or 4', channels);
  checkRawLength(data, width, height, channels);
  const expected = width * height * channels;
  const values = input.values;
  if (values !== undefined) {
    // An RgbImage handed back with its float values: those are the pixels.
    if (!(values instanceof Float32Array)) throw typeError('image.values', 'a Float32Array', values);
    if (kind !== 8 || channels !== 3)
      throw rangeError('image.values', 'absent unless data is 8-bit with 3 channels', `${kind}-bit data with ${channels} channels`);
    const n = typedArrayLength.call(values);
    if (n !== expected) throw rangeError('image.values', `length ${expected} (as data)`, `length ${n}`);
  }
  // An own copy, made from the array's internal slots (no getter, iterator or species a subclass
  // could override runs), so nothing the caller does later reaches the pixels.
  if (kind === 8 && values === undefined) return toRgb(new Uint8Array(data), width, height, channels);
  const own = values !== undefined ? new Float32Array(values) : kind === 16 ? new Uint16Array(data) : new Float32Array(data);
  if (own instanceof Float32Array) checkFinite(values !== undefined ? 'image.values' : 'image.data', own);
  return floatRgbImage(toRgbValues(own, width, height, channels, kind === 16 ? DIVISOR_16 : 1), width, height);
}

/**
 * Raw pixels of exactly `bands` channels per pixel, kept as they are (no gray replication, no alpha
 * dropped): the input of a model with that many channels (model-image.ts). An own float copy on the
 * 8-bit scale (16-bit v as v/257), with an 8-bit RGB view (see {@link floatRgbImage}).
 * @throws TypeError naming `image` or `image.data` for another type; RangeError naming
 *   `image.channels` for another channel count, and as {@link loadImage} for sizes, lengths and
 *   non-finite values.
 */
export function rawBands(input: unknown, bands: number): RgbImage {
  if (!isRawImage(input))
    throw typeError('image', `raw pixels { data, width, height, channels: ${bands} } (the model's input has ${bands} channels)`, input);
  const { data, width, height, channels } = input as unknown as RawImage;
  const kind = rawKind(data);
  checkSize('image', width, height);
  if (channels !== bands) throw rangeError('image.channels', `${bands} (the model's input channels)`, channels);
  checkRawLength(data, width, height, bands);
  const values = new Float32Array(data); // from the internal slots, as in rawToRgb
  if (kind === 16) for (let i = 0; i < values.length; i++) values[i] /= DIVISOR_16;
  if (kind === 32) checkFinite('image.data', values);
  return floatRgbImage(values, width, height, bands);
}

async function decode(bytes: Uint8Array, what: string): Promise<RgbImage> {
  if (bytes.length === 0) throw new Error(`Unsupported or corrupt image data in ${what}: it is empty`);
  try {
    const image = sharp(bytes, { limitInputPixels: MAX_PIXELS, failOn: 'error' });
    // 16-bit PNG/TIFF: decoded at 16 bits (values v/257) rather than cut to 8.
    if ((await image.metadata()).depth === 'ushort') {
      const { data, info } = await image.toColourspace('rgb16').raw({ depth: 'ushort' }).toBuffer({ resolveWithObject: true });
      const u16 = new Uint16Array(data.buffer, data.byteOffset, data.length / 2);
      return floatRgbImage(toRgbValues(u16, info.width, info.height, info.channels, DIVISOR_16), info.width, info.height);
    }
    const { data, info } = await image.toColourspace('srgb').raw({ depth: 'uchar' }).toBuffer({ resolveWithObject: true });
    return toRgb(new Uint8Array(data.buffer, data.byteOffset, data.length), info.width, info.height, info.channels);
  } catch (err) {
    const message = (err as Error).message;
    if (/pixel limit/i.test(message)) throw rangeError(what, `at most ${MAX_PIXELS} pixels (8192 x 8192)`, 'a larger image');
    throw new Error(`Unsupported or corrupt image data in ${what}: ${message}`, { cause: err });
  }
}
