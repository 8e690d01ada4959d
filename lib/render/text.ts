// SPDX-License-Identifier: MIT
/**
 * Text in pictures with the built-in 5×7 bitmap font (font.ts): measuring, drawing, wrapping.
 *
 * Why not sharp (SVG text through librsvg): that needs system fonts and fontconfig, and its
 * antialiased glyphs differ from machine to machine; a bitmap font draws the same pixels everywhere.
 */
import { GLYPH_ADVANCE, GLYPH_HEIGHT, GLYPH_WIDTH, LINE_ADVANCE, glyphCode, glyphPixel } from './font';
import { checkRgbImage } from '../image';
import { checkNumber, typeError } from '../validate';
import { type Rgb, type RgbImage, TEXT_DARK, checkRgb, fillRect } from './raster';

/** Options of {@link drawText}. */
export interface TextOptions {
  /** Text colour (default dark grey `[34, 34, 34]`). */
  color?: Rgb;
  /** Integer magnification of the 5×7 font (default 1: 6 px advance, 10 px line height). */
  scale?: number;
  /** When given, the text's bounding box (plus 1 font pixel of padding) is filled first. */
  background?: Rgb;
  /** Horizontal alignment relative to `x` (default `'left'`). */
  align?: 'left' | 'center' | 'right';
}

/** Size in pixels of a block of text. */
export interface TextSize {
  width: number;
  height: number;
}

function checkScale(scale: unknown): number {
  if (scale === undefined) return 1;
  return checkNumber('options.scale', scale, { integer: true, min: 1 });
}

/** Pixel width of one line of `chars` characters at scale `s` (no trailing gap). */
function lineWidth(chars: number, s: number): number {
  return chars === 0 ? 0 : (chars * GLYPH_ADVANCE - 1) * s;
}

/** Left column of a line `width` pixels wide that is aligned `align` at column `x`. */
function alignedLeft(x: number, width: number, align: 'left' | 'center' | 'right'): number {
  return align === 'left' ? x : align === 'center' ? x - Math.floor(width / 2) : x - width;
}

/**
 * Measures text drawn with the built-in 5×7 font. `'\n'` starts a new line.
 * Width is `(chars * 6 - 1) * scale` for the longest line; height is
 * `(lines * 10 - 2) * scale` (no trailing gap). Empty text measures 0 × 0.
 * @param text - the text
 * @param scale - integer magnification (default 1)
 */
export function measureText(text: string, scale = 1): TextSize {
  if (typeof text !== 'string') throw typeError('text', 'a string', text);
  const s = checkScale(scale);
  if (text.length === 0) return { width: 0, height: 0 };
  const lines = text.split('\n');
  let maxChars = 0;
  for (const line of lines) maxChars = Math.max(maxChars, [...line].length);
  return {
    width: lineWidth(maxChars, s),
    height: (lines.length * LINE_ADVANCE - (LINE_ADVANCE - GLYPH_HEIGHT)) * s,
  };
}

/**
 * Draws text with the built-in 5×7 bitmap font (no system fonts needed).
 * `(x, y)` is the top-left corner of the first glyph (or top-centre /
 * top-right with `align`). `'\n'` starts a new line. Characters outside
 * printable ASCII are drawn as `'?'` (a few, like the minus sign U+2212, map
 * to ASCII look-alikes). Pixels outside the image are clipped.
 * @param img - target image (modified in place)
 * @param x - left (or centre/right, see `align`) pixel column
 * @param y - top pixel row
 * @param text - the text
 * @param options - colour (default `[34, 34, 34]`), integer scale (default 1),
 *   optional background fill (default none), alignment (default `'left'`)
 * @returns the size of the drawn text (as {@link measureText})
 */
export function drawText(img: RgbImage, x: number, y: number, text: string, options: TextOptions = {}): TextSize {
  checkRgbImage('img', img);
  if (typeof text !== 'string') throw typeError('text', 'a string', text);
  const s = checkScale(options.scale);
  const color = options.color ?? TEXT_DARK;
  checkRgb('options.color', color);
  const align = options.align ?? 'left';
  const size = measureText(text, s);
  const x0 = Math.round(x);
  const y0 = Math.round(y);
  if (options.background !== undefined) {
    checkRgb('options.background', options.background);
    const left = alignedLeft(x0, size.width, align);
    fillRect(img, left - s, y0 - s, size.width + 2 * s, size.height + 2 * s, options.background);
  }
  text.split('\n').forEach((line, li) => {
    const chars = [...line];
    const lx = alignedLeft(x0, lineWidth(chars.length, s), align);
    const ly = y0 + li * LINE_ADVANCE * s;
    chars.forEach((ch, ci) => {
      const code = glyphCode(ch);
      const gx = lx + ci * GLYPH_ADVANCE * s;
      for (let col = 0; col < GLYPH_WIDTH; col++) {
        for (let row = 0; row < GLYPH_HEIGHT; row++) {
          if (glyphPixel(code, col, row)) fillRect(img, gx + col * s, ly + row * s, s, s, color);
        }
      }
    });
  });
  return size;
}

/**
 * Splits `text` into lines no wider than `maxWidth` pixels at the given font
 * scale, breaking at spaces where possible and inside words otherwise.
 * Existing `'\n'` are kept as line breaks.
 * @param text - the text
 * @param maxWidth - available width in pixels (at least one character fits per line)
 * @param scale - integer font magnification (default 1)
 */
export function wrapText(text: string, maxWidth: number, scale = 1): string[] {
  if (typeof text !== 'string') throw typeError('text', 'a string', text);
  const s = checkScale(scale);
  const maxChars = Math.max(1, Math.floor((maxWidth / s + 1) / GLYPH_ADVANCE));
  const out: string[] = [];
  for (const para of text.split('\n')) {
    let line = '';
    for (let word of para.split(' ')) {
      while ([...word].length > maxChars) {
        // hard-break a long word
        if (line.length > 0) {
          out.push(line);
          line = '';
        }
        const cs = [...word];
        out.push(cs.slice(0, maxChars).join(''));
        word = cs.slice(maxChars).join('');
      }
      const candidate = line.length === 0 ? word : `${line} ${word}`;
      if ([...candidate].length <= maxChars) line = candidate;
      else {
        out.push(line);
        line = word;
      }
    }
    out.push(line);
  }
  return out;
}

/**
 * Draws `lines` centred on column `centreX`, one under the other from row `y`, and returns the
 * height they took (0 for no lines): the titles and captions of every renderer.
 * @param img - target image (modified in place)
 * @param centreX - the column the lines are centred on
 * @param y - top row of the first line
 * @param lines - the lines (already wrapped)
 * @param scale - integer font magnification
 * @param color - text colour (default dark grey `[34, 34, 34]`)
 */
export function drawCentredLines(
  img: RgbImage,
  centreX: number,
  y: number,
  lines: readonly string[],
  scale: number,
  color: Rgb = TEXT_DARK,
): number {
  if (lines.length === 0) return 0;
  return drawText(img, centreX, y, lines.join('\n'), { scale, color, align: 'center' }).height;
}

/**
 * Height of `lines` drawn as one block at `scale`, plus `gap` pixels under them; 0 for no lines.
 * @param lines - the lines (already wrapped)
 * @param scale - integer font magnification
 * @param gap - pixels added under a non-empty block
 */
export function blockHeight(lines: readonly string[], scale: number, gap: number): number {
  return lines.length === 0 ? 0 : measureText(lines.join('\n'), scale).height + gap;
}
