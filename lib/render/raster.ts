/**
 * Minimal RGB raster: image creation, rectangles, blitting/scaling, alpha
 * blending and bitmap-font text. Pure TypeScript, no native dependencies.
 *
 * @packageDocumentation
 */

import {
  GLYPH_ADVANCE,
  GLYPH_HEIGHT,
  GLYPH_WIDTH,
  LINE_ADVANCE,
  glyphCode,
  glyphPixel,
} from './font';

/** An 8-bit RGB image: 3 channels, row-major, `data.length === width * height * 3`. */
export interface RgbImage {
  data: Uint8Array;
  width: number;
  height: number;
}

/** An RGB colour, each component an integer 0..255. */
export type Rgb = readonly [number, number, number];

/** Label map or per-pixel values laid out row-major like an {@link RgbImage}'s pixels. */
export type PixelValues = Float32Array | Float64Array;

/** Pixel interpolation used when scaling an image. */
export type Interpolation = 'nearest' | 'bilinear';

/** White. */
export const WHITE: Rgb = [255, 255, 255];
/** Black. */
export const BLACK: Rgb = [0, 0, 0];
/** The dark grey used for text in the renderers. */
export const TEXT_DARK: Rgb = [34, 34, 34];

// ---------------------------------------------------------------- validation

/** @internal Throws a TypeError unless `v` is a positive integer. */
export function assertPositiveInt(v: unknown, name: string): asserts v is number {
  if (typeof v !== 'number' || !Number.isInteger(v) || v <= 0) {
    throw new TypeError(`${name} must be a positive integer, got ${String(v)}`);
  }
}

/** @internal Throws a TypeError unless `v` is a finite number. */
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
 * Throws unless `c` is an RGB triple of numbers in 0..255.
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

/** @internal Throws unless `arr` is a typed array of exactly `n` elements. */
export function assertLength(arr: ArrayLike<number>, n: number, name: string, what: string): void {
  if (arr.length !== n) {
    throw new RangeError(`${name} has length ${arr.length}, expected ${what} = ${n}`);
  }
}

// ------------------------------------------------------------------ creation

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

/**
 * Wraps raw pixel data (e.g. from sharp's `.raw()` output) as an {@link RgbImage}.
 * 4-channel (RGBA) input is converted to RGB by compositing over white; 1-channel
 * (grey) input is replicated to 3 channels. The data is copied unless it is
 * already 3-channel.
 * @param data - pixel bytes, row-major, interleaved channels
 * @param width - positive integer
 * @param height - positive integer
 * @param channels - 1, 3 or 4 (default 3)
 */
export function fromRaw(data: Uint8Array, width: number, height: number, channels = 3): RgbImage {
  assertPositiveInt(width, 'width');
  assertPositiveInt(height, 'height');
  if (channels !== 1 && channels !== 3 && channels !== 4) {
    throw new RangeError(`channels must be 1, 3 or 4, got ${String(channels)}`);
  }
  if (!(data instanceof Uint8Array)) throw new TypeError('data must be a Uint8Array');
  assertLength(data, width * height * channels, 'data', 'width*height*channels');
  if (channels === 3) return { data, width, height };
  const out = new Uint8Array(width * height * 3);
  const n = width * height;
  for (let p = 0; p < n; p++) {
    if (channels === 1) {
      const v = data[p] ?? 0;
      out[3 * p] = v;
      out[3 * p + 1] = v;
      out[3 * p + 2] = v;
    } else {
      const a = (data[4 * p + 3] ?? 255) / 255;
      for (let c = 0; c < 3; c++) {
        out[3 * p + c] = Math.round((data[4 * p + c] ?? 0) * a + 255 * (1 - a));
      }
    }
  }
  return { data: out, width, height };
}

// ------------------------------------------------------------- pixel drawing

/** Clamps and rounds to a byte. */
export function toByte(v: number): number {
  return v <= 0 ? 0 : v >= 255 ? 255 : Math.round(v);
}

/**
 * Sets one pixel; coordinates outside the image are ignored.
 * @param img - target image (modified in place)
 * @param x - column (integer)
 * @param y - row (integer)
 * @param color - RGB colour
 */
export function setPixel(img: RgbImage, x: number, y: number, color: Rgb): void {
  if (x < 0 || y < 0 || x >= img.width || y >= img.height) return;
  const i = (y * img.width + x) * 3;
  img.data[i] = color[0];
  img.data[i + 1] = color[1];
  img.data[i + 2] = color[2];
}

/**
 * Mixes two colours: `base * (1 - alpha) + over * alpha`, rounded.
 * @param base - the colour underneath
 * @param over - the colour on top
 * @param alpha - opacity of `over`, clamped to 0..1
 */
export function blendColor(base: Rgb, over: Rgb, alpha: number): Rgb {
  const a = alpha <= 0 ? 0 : alpha >= 1 ? 1 : alpha;
  return [
    toByte(base[0] * (1 - a) + over[0] * a),
    toByte(base[1] * (1 - a) + over[1] * a),
    toByte(base[2] * (1 - a) + over[2] * a),
  ];
}

/**
 * Alpha-blends `color` onto one pixel; coordinates outside the image are ignored.
 * @param img - target image (modified in place)
 * @param x - column
 * @param y - row
 * @param color - the colour painted on top
 * @param alpha - its opacity, clamped to 0..1
 */
export function blendPixel(img: RgbImage, x: number, y: number, color: Rgb, alpha: number): void {
  if (x < 0 || y < 0 || x >= img.width || y >= img.height) return;
  const a = alpha <= 0 ? 0 : alpha >= 1 ? 1 : alpha;
  const i = (y * img.width + x) * 3;
  const d = img.data;
  d[i] = toByte((d[i] ?? 0) * (1 - a) + color[0] * a);
  d[i + 1] = toByte((d[i + 1] ?? 0) * (1 - a) + color[1] * a);
  d[i + 2] = toByte((d[i + 2] ?? 0) * (1 - a) + color[2] * a);
}

/**
 * Fills an axis-aligned rectangle, clipped to the image. With `alpha < 1` the
 * colour is blended over the existing pixels.
 * @param img - target image (modified in place)
 * @param x - left column (may be negative; clipped)
 * @param y - top row (may be negative; clipped)
 * @param w - width in pixels (≤ 0 draws nothing)
 * @param h - height in pixels (≤ 0 draws nothing)
 * @param color - RGB colour
 * @param alpha - opacity 0..1 (default 1 = opaque)
 */
export function fillRect(
  img: RgbImage,
  x: number,
  y: number,
  w: number,
  h: number,
  color: Rgb,
  alpha = 1,
): void {
  const x0 = Math.max(0, Math.round(x));
  const y0 = Math.max(0, Math.round(y));
  const x1 = Math.min(img.width, Math.round(x + w));
  const y1 = Math.min(img.height, Math.round(y + h));
  for (let yy = y0; yy < y1; yy++) {
    for (let xx = x0; xx < x1; xx++) {
      if (alpha >= 1) setPixel(img, xx, yy, color);
      else blendPixel(img, xx, yy, color, alpha);
    }
  }
}

/**
 * Draws a rectangle outline `thickness` pixels wide, inside the rectangle `(x, y, w, h)`.
 * @param thickness - line width in pixels (default 1)
 */
export function strokeRect(
  img: RgbImage,
  x: number,
  y: number,
  w: number,
  h: number,
  color: Rgb,
  thickness = 1,
): void {
  fillRect(img, x, y, w, thickness, color);
  fillRect(img, x, y + h - thickness, w, thickness, color);
  fillRect(img, x, y, thickness, h, color);
  fillRect(img, x + w - thickness, y, thickness, h, color);
}

// ----------------------------------------------------------- scale and blit

/**
 * Returns `src` resampled to `width × height`.
 * @param src - source image
 * @param width - output width (positive integer)
 * @param height - output height (positive integer)
 * @param interpolation - `'nearest'` or `'bilinear'` (default `'bilinear'`;
 *   pixel centres are aligned like OpenCV/PIL `align_corners=false`). When
 *   shrinking by more than 2× with `'bilinear'` the source is box-averaged
 *   (area resampling) to avoid aliasing.
 */
export function resizeImage(
  src: RgbImage,
  width: number,
  height: number,
  interpolation: Interpolation = 'bilinear',
): RgbImage {
  assertRgbImage(src, 'src');
  assertPositiveInt(width, 'width');
  assertPositiveInt(height, 'height');
  if (interpolation !== 'nearest' && interpolation !== 'bilinear') {
    throw new TypeError(`interpolation must be 'nearest' or 'bilinear', got ${String(interpolation)}`);
  }
  if (width === src.width && height === src.height) return cloneImage(src);
  const out = new Uint8Array(width * height * 3);
  const sw = src.width;
  const sh = src.height;
  const s = src.data;
  const fx = sw / width;
  const fy = sh / height;
  if (interpolation === 'nearest') {
    for (let y = 0; y < height; y++) {
      const sy = Math.min(sh - 1, Math.floor((y + 0.5) * fy));
      for (let x = 0; x < width; x++) {
        const sx = Math.min(sw - 1, Math.floor((x + 0.5) * fx));
        const si = (sy * sw + sx) * 3;
        const di = (y * width + x) * 3;
        out[di] = s[si] ?? 0;
        out[di + 1] = s[si + 1] ?? 0;
        out[di + 2] = s[si + 2] ?? 0;
      }
    }
  } else if (fx > 2 || fy > 2) {
    // area (box) averaging for strong downscaling
    for (let y = 0; y < height; y++) {
      const y0 = Math.floor(y * fy);
      const y1 = Math.max(y0 + 1, Math.min(sh, Math.floor((y + 1) * fy)));
      for (let x = 0; x < width; x++) {
        const x0 = Math.floor(x * fx);
        const x1 = Math.max(x0 + 1, Math.min(sw, Math.floor((x + 1) * fx)));
        let r = 0;
        let g = 0;
        let b = 0;
        for (let yy = y0; yy < y1; yy++) {
          for (let xx = x0; xx < x1; xx++) {
            const si = (yy * sw + xx) * 3;
            r += s[si] ?? 0;
            g += s[si + 1] ?? 0;
            b += s[si + 2] ?? 0;
          }
        }
        const n = (y1 - y0) * (x1 - x0);
        const di = (y * width + x) * 3;
        out[di] = Math.round(r / n);
        out[di + 1] = Math.round(g / n);
        out[di + 2] = Math.round(b / n);
      }
    }
  } else {
    for (let y = 0; y < height; y++) {
      const syf = Math.min(sh - 1, Math.max(0, (y + 0.5) * fy - 0.5));
      const sy0 = Math.floor(syf);
      const sy1 = Math.min(sh - 1, sy0 + 1);
      const ty = syf - sy0;
      for (let x = 0; x < width; x++) {
        const sxf = Math.min(sw - 1, Math.max(0, (x + 0.5) * fx - 0.5));
        const sx0 = Math.floor(sxf);
        const sx1 = Math.min(sw - 1, sx0 + 1);
        const tx = sxf - sx0;
        const i00 = (sy0 * sw + sx0) * 3;
        const i01 = (sy0 * sw + sx1) * 3;
        const i10 = (sy1 * sw + sx0) * 3;
        const i11 = (sy1 * sw + sx1) * 3;
        const di = (y * width + x) * 3;
        for (let c = 0; c < 3; c++) {
          const top = (s[i00 + c] ?? 0) * (1 - tx) + (s[i01 + c] ?? 0) * tx;
          const bot = (s[i10 + c] ?? 0) * (1 - tx) + (s[i11 + c] ?? 0) * tx;
          out[di + c] = toByte(top * (1 - ty) + bot * ty);
        }
      }
    }
  }
  return { data: out, width, height };
}

/** Options of {@link blit}. */
export interface BlitOptions {
  /** Width the source is scaled to before copying (default `src.width`). */
  width?: number;
  /** Height the source is scaled to before copying (default `src.height`). */
  height?: number;
  /** Interpolation used when scaling (default `'bilinear'`). */
  interpolation?: Interpolation;
  /** Opacity of the copied pixels, 0..1 (default 1). */
  alpha?: number;
}

/**
 * Copies `src` into `dst` with its top-left corner at `(x, y)`, optionally
 * scaled (see {@link resizeImage}) and alpha-blended; clipped to `dst`.
 * @param dst - target image (modified in place)
 * @param src - source image
 * @param x - target column of the source's left edge (integer; may be negative)
 * @param y - target row of the source's top edge (integer; may be negative)
 * @param options - see {@link BlitOptions}
 */
export function blit(dst: RgbImage, src: RgbImage, x: number, y: number, options: BlitOptions = {}): void {
  assertRgbImage(dst, 'dst');
  assertRgbImage(src, 'src');
  const w = options.width ?? src.width;
  const h = options.height ?? src.height;
  const alpha = options.alpha ?? 1;
  assertFinite(alpha, 'options.alpha');
  const img = w === src.width && h === src.height ? src : resizeImage(src, w, h, options.interpolation ?? 'bilinear');
  const ox = Math.round(x);
  const oy = Math.round(y);
  const a = Math.min(1, Math.max(0, alpha));
  for (let yy = Math.max(0, -oy); yy < h && oy + yy < dst.height; yy++) {
    for (let xx = Math.max(0, -ox); xx < w && ox + xx < dst.width; xx++) {
      const si = (yy * w + xx) * 3;
      const di = ((oy + yy) * dst.width + ox + xx) * 3;
      for (let c = 0; c < 3; c++) {
        const sv = img.data[si + c] ?? 0;
        dst.data[di + c] = a >= 1 ? sv : toByte((dst.data[di + c] ?? 0) * (1 - a) + sv * a);
      }
    }
  }
}

/**
 * Returns a greyscale copy (still 3 channels) using ITU-R 601 luma
 * `0.2989 R + 0.5870 G + 0.1140 B` (the weights shap's `image_plot` uses).
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

// ---------------------------------------------------------------------- text

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
  assertPositiveInt(scale, 'options.scale');
  return scale;
}

/**
 * Measures text drawn with the built-in 5×7 font. `'\n'` starts a new line.
 * Width is `(chars * 6 - 1) * scale` for the longest line; height is
 * `(lines * 10 - 2) * scale` (no trailing gap). Empty text measures 0 × 0.
 * @param text - the text
 * @param scale - integer magnification (default 1)
 */
export function measureText(text: string, scale = 1): TextSize {
  if (typeof text !== 'string') throw new TypeError('text must be a string');
  const s = checkScale(scale);
  if (text.length === 0) return { width: 0, height: 0 };
  const lines = text.split('\n');
  let maxChars = 0;
  for (const line of lines) maxChars = Math.max(maxChars, [...line].length);
  return {
    width: maxChars === 0 ? 0 : (maxChars * GLYPH_ADVANCE - 1) * s,
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
 *   optional background fill, alignment (default `'left'`)
 * @returns the size of the drawn text (as {@link measureText})
 */
export function drawText(img: RgbImage, x: number, y: number, text: string, options: TextOptions = {}): TextSize {
  assertRgbImage(img, 'img');
  if (typeof text !== 'string') throw new TypeError('text must be a string');
  const s = checkScale(options.scale);
  const color = options.color ?? TEXT_DARK;
  assertRgb(color, 'options.color');
  const align = options.align ?? 'left';
  const size = measureText(text, s);
  const lines = text.split('\n');
  const x0 = Math.round(x);
  const y0 = Math.round(y);
  if (options.background !== undefined) {
    assertRgb(options.background, 'options.background');
    const left = align === 'left' ? x0 : align === 'center' ? x0 - Math.floor(size.width / 2) : x0 - size.width;
    fillRect(img, left - s, y0 - s, size.width + 2 * s, size.height + 2 * s, options.background);
  }
  lines.forEach((line, li) => {
    const chars = [...line];
    const lw = chars.length === 0 ? 0 : (chars.length * GLYPH_ADVANCE - 1) * s;
    const lx = align === 'left' ? x0 : align === 'center' ? x0 - Math.floor(lw / 2) : x0 - lw;
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
 * @param maxWidth - available width in pixels
 * @param scale - integer font magnification (default 1)
 */
export function wrapText(text: string, maxWidth: number, scale = 1): string[] {
  if (typeof text !== 'string') throw new TypeError('text must be a string');
  const s = checkScale(scale);
  const maxChars = Math.max(1, Math.floor((maxWidth / s + 1) / GLYPH_ADVANCE));
  const out: string[] = [];
  for (const para of text.split('\n')) {
    const words = para.split(' ');
    let line = '';
    for (let word of words) {
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
