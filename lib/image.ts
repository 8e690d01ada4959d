// SPDX-License-Identifier: MIT
/**
 * Image input: file paths, encoded bytes (PNG, JPEG, WebP, anything sharp decodes) and raw pixels,
 * all turned into 8-bit RGB (gray replicated, alpha dropped), optionally resized.
 */
import * as fs from 'node:fs/promises';
import sharp from 'sharp';
import { checkNumber, rangeError, typeError } from './validate';

/** Raw pixels, row-major, interleaved channels (1 gray, 2 gray+alpha, 3 RGB, 4 RGBA). */
export interface RawImage {
  data: Uint8Array;
  width: number;
  height: number;
  channels: 1 | 2 | 3 | 4;
}

/** What every function that takes an image accepts: a file path, encoded bytes, or raw pixels. */
export type ImageInput = string | Uint8Array | RawImage;

/** 8-bit RGB pixels, row-major, interleaved (what the kernels take). */
export interface RgbImage {
  data: Uint8Array;
  width: number;
  height: number;
}

/** Resize target; the aspect ratio is not kept (as LIME's reference inputs were made). */
export interface ResizeOptions {
  width: number;
  height: number;
}

/** The largest image accepted, in pixels (8192 × 8192): larger inputs get a RangeError. */
export const MAX_PIXELS = 8192 * 8192;

function isRawImage(input: unknown): input is RawImage {
  return typeof input === 'object' && input !== null && !ArrayBuffer.isView(input) && 'data' in input;
}

function checkSize(name: string, width: unknown, height: unknown): void {
  checkNumber(`${name}.width`, width, { integer: true, min: 1 });
  checkNumber(`${name}.height`, height, { integer: true, min: 1 });
  const pixels = (width as number) * (height as number);
  if (pixels > MAX_PIXELS) throw rangeError(`${name}`, `at most ${MAX_PIXELS} pixels (8192 x 8192)`, `${width}x${height}`);
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
 * @throws TypeError for an input of the wrong type; RangeError for bad dimensions, a raw buffer
 *   whose length does not match, or more than {@link MAX_PIXELS} pixels; Error for a missing file
 *   or data that is not a supported image.
 */
export async function loadImage(input: ImageInput, resize?: ResizeOptions): Promise<RgbImage> {
  if (resize !== undefined) {
    if (typeof resize !== 'object' || resize === null) throw typeError('resize', 'an object { width, height }', resize);
    checkSize('resize', resize.width, resize.height);
  }
  let rgb: RgbImage;
  if (typeof input === 'string') {
    let bytes: Buffer;
    try {
      bytes = await fs.readFile(input);
    } catch (err) {
      const code = (err as NodeJS.ErrnoException).code;
      throw new Error(code === 'ENOENT' ? `Image file not found: ${input}` : `Cannot read image file ${input}: ${(err as Error).message}`);
    }
    rgb = await decode(bytes, input);
  } else if (input instanceof Uint8Array) {
    rgb = await decode(input, 'image buffer');
  } else if (isRawImage(input)) {
    const { data, width, height, channels } = input;
    if (!((data as unknown) instanceof Uint8Array) && !((data as unknown) instanceof Uint8ClampedArray))
      throw typeError('image.data', 'a Uint8Array', data);
    checkSize('image', width, height);
    if (channels !== 1 && channels !== 2 && channels !== 3 && channels !== 4)
      throw rangeError('image.channels', '1, 2, 3 or 4', channels);
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
    throw new Error(`Unsupported or corrupt image data in ${what}: ${message}`);
  }
}
