// SPDX-License-Identifier: MIT
/** Small helpers for the command line: comma lists of numbers, sizes, file stems. */
import * as path from 'node:path';

/** The image file extensions picked up when a directory is given. */
export const IMAGE_EXTENSIONS = ['.png', '.jpg', '.jpeg', '.webp', '.tif', '.tiff', '.gif', '.avif'];

/** Parses "2,4,6" into [2, 4, 6]; throws a RangeError naming the flag for anything else. */
export function numberList(flag: string, text: string | undefined, fallback: number[]): number[] {
  if (text === undefined) return fallback;
  const values = text.split(',').map((s) => s.trim());
  const out = values.map((s) => (s === 'inf' || s === 'Infinity' ? Infinity : Number(s)));
  if (values.some((s) => s === '') || out.some((v) => Number.isNaN(v)))
    throw new RangeError(`--${flag} expects comma-separated numbers, got "${text}"`);
  return out;
}

/** Parses --size: "224" (square) or "320x240". */
export function parseSize(text: string | undefined): { width: number; height: number } | undefined {
  if (text === undefined) return undefined;
  const m = /^(\d+)(?:x(\d+))?$/.exec(text.trim());
  if (!m) throw new RangeError(`--size expects N or WxH (e.g. 224 or 320x240), got "${text}"`);
  const width = Number(m[1]);
  const height = m[2] === undefined ? width : Number(m[2]);
  if (width < 1 || height < 1) throw new RangeError(`--size must be positive, got "${text}"`);
  return { width, height };
}

/** A file-name-safe stem for an input path. */
export function stem(file: string): string {
  return path.basename(file, path.extname(file)).replace(/[^A-Za-z0-9._-]+/g, '_');
}
