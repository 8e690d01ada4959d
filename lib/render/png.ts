// SPDX-License-Identifier: MIT
/**
 * PNG encoding of finished pictures: the one step sharp does for the renderers (libvips' PNG writer
 * with sharp's defaults), so every picture file the library writes is encoded the same way.
 */
// Needs `esModuleInterop` (or module nodenext): sharp's CJS entry is `module.exports = sharp`.
import sharp from 'sharp';
import { type RgbImage, checkRgbImage } from '../image';

/**
 * Encodes an RGB image as PNG with sharp (raw 3-channel input, sharp's default PNG options).
 * @param img - the image
 * @returns the PNG file bytes
 * @throws TypeError/RangeError when `img` is not a well-formed {@link RgbImage}
 */
export async function encodePng(img: RgbImage): Promise<Buffer> {
  checkRgbImage('img', img);
  return sharp(img.data, { raw: { width: img.width, height: img.height, channels: 3 } })
    .png()
    .toBuffer();
}
