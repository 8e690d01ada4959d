/**
 * PNG encoding of {@link RgbImage} via sharp.
 *
 * @packageDocumentation
 */

// Needs `esModuleInterop` (or module nodenext): sharp's CJS entry is `module.exports = sharp`.
import sharp from 'sharp';
import { type RgbImage, assertRgbImage } from './raster';

/**
 * Encodes an RGB image as PNG with sharp (raw 3-channel input).
 * @param img - the image
 * @returns the PNG file bytes
 */
export async function encodePng(img: RgbImage): Promise<Buffer> {
  assertRgbImage(img, 'img');
  return sharp(img.data, { raw: { width: img.width, height: img.height, channels: 3 } })
    .png()
    .toBuffer();
}

/**
 * Decodes any image file sharp understands (PNG, JPEG, WebP, ...) to RGB;
 * an alpha channel is flattened onto white.
 * @param input - file path or file bytes
 */
export async function decodeImage(input: string | Buffer): Promise<RgbImage> {
  if (typeof input !== 'string' && !Buffer.isBuffer(input)) {
    throw new TypeError('input must be a file path or a Buffer');
  }
  const { data, info } = await sharp(input)
    .flatten({ background: '#ffffff' })
    .removeAlpha()
    .toColourspace('srgb')
    .raw()
    .toBuffer({ resolveWithObject: true });
  if (info.channels !== 3) throw new RangeError(`decoded image has ${info.channels} channels, expected 3`);
  return {
    data: new Uint8Array(data.buffer, data.byteOffset, data.length),
    width: info.width,
    height: info.height,
  };
}
