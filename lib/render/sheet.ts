// SPDX-License-Identifier: MIT
/**
 * Labelled grid of images ("contact sheet"): the segment command's overview of every method and
 * parameter tried on one photo. Synchronous and by hand: tiles are scaled with resize.ts (see there
 * why not sharp) and captions drawn with the bitmap font.
 */
import { checkRgbImage } from '../image';
import { checkNumber, typeError } from '../validate';
import { type Rgb, type RgbImage, TEXT_DARK, WHITE, blit, createImage } from './raster';
import { type Interpolation, resizeImage } from './resize';
import { blockHeight, drawCentredLines, wrapText } from './text';

/** One cell of a {@link contactSheet}. */
export interface SheetTile {
  /** The picture. */
  image: RgbImage;
  /** Caption lines drawn under the picture (long lines are wrapped to the tile width). */
  caption: string[];
}

/** Options of {@link contactSheet}. */
export interface ContactSheetOptions {
  /** Number of grid columns (default `ceil(sqrt(tiles.length))`). */
  columns?: number;
  /** Optional title line(s) drawn centred above the grid (default none). */
  title?: string;
  /**
   * Every tile is scaled to this width, keeping its aspect ratio
   * (default: the widest tile's width, so tiles of that width are not scaled).
   */
  tileWidth?: number;
  /**
   * Interpolation for scaled tiles (default: `'nearest'` when enlarging, which
   * keeps label boundaries crisp, `'bilinear'` with area averaging when shrinking).
   */
  interpolation?: Interpolation;
  /** Integer font scale of the captions (default 2 when `tileWidth >= 200`, else 1). */
  captionScale?: number;
  /** Integer font scale of the title (default `captionScale + 1`). */
  titleScale?: number;
  /** Gap between cells and around the sheet in pixels (default 10). */
  padding?: number;
  /** Background colour (default white). */
  background?: Rgb;
  /** Text colour (default dark grey `[34, 34, 34]`). */
  textColor?: Rgb;
}

/**
 * Lays tiles out in a grid, each with its caption lines underneath, and an
 * optional title on top; white background, dark text (built-in bitmap font).
 * Tiles are placed left-to-right, top-to-bottom, each centred horizontally in
 * its cell; row height is the tallest tile plus the longest caption of that row.
 * @param tiles - non-empty list of `{ image, caption }`
 * @param options - see {@link ContactSheetOptions}
 * @returns the sheet
 * @throws TypeError/RangeError on an empty tile list, malformed images or bad options
 */
export function contactSheet(tiles: SheetTile[], options: ContactSheetOptions = {}): RgbImage {
  if (!Array.isArray(tiles) || tiles.length === 0) {
    throw typeError('tiles', 'a non-empty array of { image, caption }', tiles);
  }
  tiles.forEach((t, i) => {
    checkRgbImage(`tiles[${i}].image`, t.image);
    if (!Array.isArray(t.caption) || !t.caption.every((c) => typeof c === 'string')) {
      throw typeError(`tiles[${i}].caption`, 'an array of strings', t.caption);
    }
  });
  const n = tiles.length;
  const columns = options.columns ?? Math.ceil(Math.sqrt(n));
  checkNumber('options.columns', columns, { integer: true, min: 1 });
  const tileWidth = options.tileWidth ?? Math.max(...tiles.map((t) => t.image.width));
  checkNumber('options.tileWidth', tileWidth, { integer: true, min: 1 });
  const capScale = options.captionScale ?? (tileWidth >= 200 ? 2 : 1);
  checkNumber('options.captionScale', capScale, { integer: true, min: 1 });
  const titleScale = options.titleScale ?? capScale + 1;
  checkNumber('options.titleScale', titleScale, { integer: true, min: 1 });
  const pad = options.padding ?? 10;
  checkNumber('options.padding', pad, { integer: true, min: 0 });
  const bg = options.background ?? WHITE;
  const fg = options.textColor ?? TEXT_DARK;

  const cols = Math.min(columns, n);
  const rows = Math.ceil(n / cols);
  const placed = tiles.map((t) => {
    const h = Math.max(1, Math.round((t.image.height * tileWidth) / t.image.width));
    const lines = t.caption.flatMap((c) => wrapText(c, tileWidth, capScale));
    const capH = blockHeight(lines, capScale, Math.round(pad / 2));
    return { tile: t, h, lines, capH };
  });
  const rowHeights: number[] = [];
  for (let r = 0; r < rows; r++) {
    const inRow = placed.slice(r * cols, r * cols + cols);
    rowHeights.push(Math.max(...inRow.map((p) => p.h + p.capH)));
  }
  const titleLines = options.title === undefined ? [] : options.title.split('\n');
  const gridW = cols * tileWidth + (cols + 1) * pad;
  const titleWrapped = titleLines.flatMap((l) => wrapText(l, gridW - 2 * pad, titleScale));
  const titleH = blockHeight(titleWrapped, titleScale, pad);
  const width = gridW;
  const height = pad + titleH + rowHeights.reduce((a, b) => a + b, 0) + rows * pad;
  const sheet = createImage(width, height, bg);
  drawCentredLines(sheet, Math.floor(width / 2), pad, titleWrapped, titleScale, fg);
  let y = pad + titleH;
  for (let r = 0; r < rows; r++) {
    for (let c = 0; c < cols; c++) {
      const p = placed[r * cols + c];
      if (p === undefined) continue;
      const x = pad + c * (tileWidth + pad);
      const src = p.tile.image;
      const interp = options.interpolation ?? (tileWidth > src.width ? 'nearest' : 'bilinear');
      blit(sheet, tileWidth === src.width && p.h === src.height ? src : resizeImage(src, tileWidth, p.h, interp), x, y);
      drawCentredLines(sheet, x + Math.floor(tileWidth / 2), y + p.h + Math.round(pad / 2), p.lines, capScale, fg);
    }
    y += (rowHeights[r] ?? 0) + pad;
  }
  return sheet;
}
