// SPDX-License-Identifier: MIT
/**
 * Attribution heat maps: a single map ({@link heatmap}, LIME's segment weights) and shap's
 * `image_plot` layout ({@link shapPlot}): the colour map over a faded greyscale copy of the image,
 * titles and a colour bar, laid out on a white page.
 */
import { checkRgbImage } from '../image';
import { checkNumber, typeError } from '../validate';
import { absPercentile, colorBar, overlayValues } from './colormap';
import { type PixelValues, type RgbImage, WHITE, blit, checkLength, createImage, mix, toGrayscale } from './raster';
import { blockHeight, drawCentredLines, wrapText } from './text';

function checkValues(name: string, values: unknown, image: RgbImage): asserts values is PixelValues {
  if (!(values instanceof Float32Array) && !(values instanceof Float64Array))
    throw typeError(name, 'a Float32Array or Float64Array of height x width values (row-major)', values);
  checkLength(name, values, image.width * image.height, `image width x height = ${image.width} x ${image.height}`);
}

function resolveLimit(limit: number | undefined, arrays: readonly PixelValues[]): number {
  if (limit !== undefined) return checkNumber('options.limit', limit, { min: 0, minExclusive: true });
  return absPercentile(arrays, 99.9);
}

/** A greyscale copy of `image` painted with opacity `alpha` on white. */
function greyBackground(image: RgbImage, alpha: number): RgbImage {
  const g = toGrayscale(image);
  const d = g.data;
  for (let i = 0; i < d.length; i++) d[i] = mix(WHITE[0], d[i] ?? 0, alpha);
  return g;
}

/** Wrapped title lines and the height they take with a gap of `pad` under them (0 without a title). */
function titleBlock(title: string | undefined, width: number, scale: number, pad: number): { lines: string[]; height: number } {
  const lines = title === undefined ? [] : wrapText(title, width, scale);
  return { lines, height: blockHeight(lines, scale, pad) };
}

/** Default text scale for a panel of the given width. */
function autoScale(width: number): number {
  return width >= 200 ? 2 : 1;
}

/** Options of {@link heatmap}. */
export interface HeatmapOptions {
  /**
   * Symmetric colour limit: values map to `[-limit, +limit]` (> 0). Default:
   * the 99.9th percentile of `|values|` (NaN ignored), as shap's `image_plot`.
   */
  limit?: number;
  /** Title drawn above the map (wrapped to the width; default none). */
  title?: string;
  /** Draw a horizontal colour bar with ticks at -limit, 0, +limit under the map (default true). */
  colorbar?: boolean;
  /** Caption under the colour bar (default none). */
  label?: string;
  /**
   * Opacity of the greyscale copy of the image over white, under the colour
   * map (default 0.5; shap's `image_plot` uses 0.15, see {@link shapPlot}).
   */
  backgroundAlpha?: number;
  /** Integer font scale (default 2 when the image is at least 200 px wide, else 1). */
  textScale?: number;
}

/**
 * Renders per-pixel attributions as shap's `red_transparent_blue` map
 * (red `#ff0d57` positive, blue `#1e88e5` negative, opacity `|v| / limit`,
 * transparent at 0) over a faded greyscale copy of the image, with an optional
 * title above and a horizontal colour bar (ticks at -limit, 0, +limit)
 * below. The map keeps the image's pixel size; white background, 8 px margins.
 * @param image - RGB image the values refer to
 * @param values - `image.height * image.width` values, row-major (NaN = no colour)
 * @param options - limit (default 99.9th percentile of |values|), title
 *   (default none), colorbar (default true), label (default none),
 *   backgroundAlpha (default 0.5), textScale (default auto)
 */
export function heatmap(image: RgbImage, values: PixelValues, options: HeatmapOptions = {}): RgbImage {
  checkRgbImage('image', image);
  checkValues('values', values, image);
  const limit = resolveLimit(options.limit, [values]);
  const alpha = checkNumber('options.backgroundAlpha', options.backgroundAlpha ?? 0.5, { min: 0, max: 1 });
  const s = options.textScale ?? autoScale(image.width);
  checkNumber('options.textScale', s, { integer: true, min: 1 });
  const pad = 8;
  const map = greyBackground(image, alpha);
  if (limit > 0) overlayValues(map, values, limit);
  const title = titleBlock(options.title, image.width, s, pad);
  const titleH = title.height;
  const bar =
    options.colorbar === false
      ? undefined
      : colorBar(image.width, limit, options.label === undefined ? { textScale: s } : { textScale: s, label: options.label });
  const width = image.width + 2 * pad;
  const height = pad + titleH + image.height + (bar === undefined ? 0 : pad + bar.height) + pad;
  const out = createImage(width, height, WHITE);
  drawCentredLines(out, Math.floor(width / 2), pad, title.lines, s);
  blit(out, map, pad, pad + titleH);
  if (bar !== undefined) blit(out, bar, pad, pad + titleH + image.height + pad);
  return out;
}

/** One output panel of {@link shapPlot}. */
export interface ShapPanel {
  /** Panel title, e.g. the class name (wrapped to the panel width). */
  title: string;
  /** `height * width` attributions (already summed over channels), row-major. */
  values: PixelValues;
}

/** Options of {@link shapPlot}. */
export interface ShapPlotOptions {
  /** Shared symmetric limit (> 0). Default: 99.9th percentile of |values| over all panels. */
  limit?: number;
  /** Caption under the colour bar (default `'SHAP value'`, as shap). */
  label?: string;
  /** Opacity of the greyscale image under each map (default 0.15, as shap). */
  backgroundAlpha?: number;
  /** Integer font scale (default 2 when the image is at least 200 px wide, else 1). */
  textScale?: number;
  /** Title of the first (original image) column (default none, as shap). */
  imageTitle?: string;
}

/**
 * shap `image_plot` layout for one image: the image in the first column, then
 * one column per output with its title above and the values drawn with
 * `red_transparent_blue` over a greyscale copy of the image at alpha 0.15
 * (luma 0.2989 R + 0.5870 G + 0.1140 B), all panels sharing the symmetric
 * limit ±(99.9th percentile of |values| over all panels) unless `limit` is
 * given; one horizontal colour bar (ticks -limit, 0, +limit, caption
 * "SHAP value") spans the figure underneath. White background.
 * @param image - RGB image
 * @param panels - non-empty list of `{ title, values }`, values `height * width` each
 * @param options - limit (default shared 99.9th percentile), label (default
 *   `'SHAP value'`), backgroundAlpha (default 0.15), textScale (default auto),
 *   imageTitle (default none)
 */
export function shapPlot(image: RgbImage, panels: ShapPanel[], options: ShapPlotOptions = {}): RgbImage {
  checkRgbImage('image', image);
  if (!Array.isArray(panels) || panels.length === 0) {
    throw typeError('panels', 'a non-empty array of { title, values }', panels);
  }
  panels.forEach((p, i) => {
    if (typeof p.title !== 'string') throw typeError(`panels[${i}].title`, 'a string', p.title);
    checkValues(`panels[${i}].values`, p.values, image);
  });
  const limit = resolveLimit(
    options.limit,
    panels.map((p) => p.values),
  );
  const alpha = checkNumber('options.backgroundAlpha', options.backgroundAlpha ?? 0.15, { min: 0, max: 1 });
  const s = options.textScale ?? autoScale(image.width);
  checkNumber('options.textScale', s, { integer: true, min: 1 });
  const pad = 10;
  const W = image.width;
  const H = image.height;
  const titles = [options.imageTitle ?? '', ...panels.map((p) => p.title)].map((t) => titleBlock(t === '' ? undefined : t, W, s, pad));
  const titleH = Math.max(0, ...titles.map((t) => t.height));
  const cols = panels.length + 1;
  const width = cols * W + (cols + 1) * pad;
  const bar = colorBar(width - 2 * pad, limit, {
    textScale: s,
    label: options.label ?? 'SHAP value',
    barHeight: Math.max(8, Math.round((width - 2 * pad) / 60)),
  });
  const height = pad + titleH + H + 2 * pad + bar.height + pad;
  const out = createImage(width, height, WHITE);
  const grey = greyBackground(image, alpha);
  for (let c = 0; c < cols; c++) {
    const x = pad + c * (W + pad);
    drawCentredLines(out, x + Math.floor(W / 2), pad, titles[c]?.lines ?? [], s);
    if (c === 0) {
      blit(out, image, x, pad + titleH);
    } else {
      const map = { data: new Uint8Array(grey.data), width: W, height: H };
      const p = panels[c - 1];
      if (p !== undefined && limit > 0) overlayValues(map, p.values, limit);
      blit(out, map, x, pad + titleH);
    }
  }
  blit(out, bar, pad, pad + titleH + H + 2 * pad);
  return out;
}
