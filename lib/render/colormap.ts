// SPDX-License-Identifier: MIT
/**
 * shap's `red_transparent_blue` diverging colour map, symmetric limits and a
 * horizontal colour bar with bitmap-font tick labels.
 *
 * Kept by hand: shap's colours and opacity ramp, numpy's percentile and the bar's layout are what
 * the pictures must match; sharp has no colour maps.
 */
import { checkNumber } from '../validate';
import { type PixelValues, type Rgb, type RgbImage, TEXT_DARK, WHITE, createImage, fillRect, mix } from './raster';
import { drawText, measureText } from './text';

/** shap's positive colour `#ff0d57` (`red_rgb` in `shap/plots/colors`). */
export const SHAP_RED: Rgb = [255, 13, 87];
/** shap's negative colour `#1e88e5` (`blue_rgb` in `shap/plots/colors`). */
export const SHAP_BLUE: Rgb = [30, 136, 229];

/**
 * Maps a value to an RGBA colour of shap's `red_transparent_blue` map with
 * limits `[-limit, +limit]`: blue `#1e88e5` for negative values, red
 * `#ff0d57` for positive ones, opacity `min(1, |v| / limit)` (fully
 * transparent at 0). NaN, zero and a non-positive limit give opacity 0.
 * @param v - the value
 * @param limit - the symmetric limit (> 0)
 * @returns `[r, g, b, alpha]` with alpha in 0..1
 */
export function redTransparentBlue(v: number, limit: number): [number, number, number, number] {
  if (!(limit > 0) || !Number.isFinite(v) || v === 0) {
    // NaN/0 → transparent; ±Infinity → saturated
    if (v === Infinity) return [SHAP_RED[0], SHAP_RED[1], SHAP_RED[2], 1];
    if (v === -Infinity) return [SHAP_BLUE[0], SHAP_BLUE[1], SHAP_BLUE[2], 1];
    return [SHAP_RED[0], SHAP_RED[1], SHAP_RED[2], 0];
  }
  const a = Math.min(1, Math.abs(v) / limit);
  const c = v > 0 ? SHAP_RED : SHAP_BLUE;
  return [c[0], c[1], c[2], a];
}

/**
 * The `q`-th percentile (0..100) of `|values|` over one or more arrays,
 * ignoring NaN, with numpy's default linear interpolation
 * (`np.nanpercentile(np.abs(values), q)`). Returns 0 when there is no finite value.
 * @param arrays - value arrays
 * @param q - percentile in 0..100 (default 99.9, shap's `image_plot` choice)
 */
export function absPercentile(arrays: readonly ArrayLike<number>[], q = 99.9): number {
  checkNumber('q', q, { min: 0, max: 100 });
  let n = 0;
  for (const a of arrays) n += a.length;
  const abs = new Float64Array(n);
  let k = 0;
  for (const a of arrays) {
    for (let i = 0; i < a.length; i++) {
      const v = a[i] ?? NaN;
      if (!Number.isNaN(v)) abs[k++] = Math.abs(v);
    }
  }
  if (k === 0) return 0;
  const sorted = abs.subarray(0, k).sort();
  const pos = ((k - 1) * q) / 100;
  const lo = Math.floor(pos);
  const hi = Math.min(k - 1, lo + 1);
  const t = pos - lo;
  const a = sorted[lo] ?? 0;
  const b = sorted[hi] ?? 0;
  return t === 0 ? a : a + (b - a) * t;
}

/**
 * Formats a tick value compactly: up to 3 significant digits, exponent form
 * for magnitudes below 1e-3 or from 1e4, `'0'` for zero.
 * @param v - the value (non-finite values print as `String(v)`)
 */
export function formatTick(v: number): string {
  if (v === 0 || Object.is(v, -0)) return '0';
  if (!Number.isFinite(v)) return String(v);
  const a = Math.abs(v);
  if (a < 1e-3 || a >= 1e4) {
    const [m, e] = v.toExponential(2).split('e');
    const mant = (m ?? '').replace(/\.?0+$/, '');
    const exp = Number(e ?? '0');
    return `${mant}e${exp}`;
  }
  let s = v.toPrecision(3);
  if (s.includes('.')) s = s.replace(/\.?0+$/, '');
  return s;
}

/**
 * Blends the colour map over `base` in place: each pixel gets
 * `base * (1 - a) + colour * a` with `[colour, a] = redTransparentBlue(v, limit)`.
 * @param base - the picture under the map (modified in place)
 * @param values - one value per pixel of `base`, row-major (NaN and 0 leave the pixel as it is)
 * @param limit - the symmetric limit (> 0)
 */
export function overlayValues(base: RgbImage, values: PixelValues, limit: number): void {
  const d = base.data;
  for (let p = 0; p < values.length; p++) {
    const [r, g, b, a] = redTransparentBlue(values[p] ?? NaN, limit);
    if (a === 0) continue;
    d[3 * p] = mix(d[3 * p] ?? 0, r, a);
    d[3 * p + 1] = mix(d[3 * p + 1] ?? 0, g, a);
    d[3 * p + 2] = mix(d[3 * p + 2] ?? 0, b, a);
  }
}

/** Options of {@link colorBar}. */
export interface ColorBarOptions {
  /** Height of the gradient bar in pixels (default `max(8, round(width / 30))`). */
  barHeight?: number;
  /** Integer font scale of tick labels and caption (default 1). */
  textScale?: number;
  /** Caption centred under the tick labels (default none). */
  label?: string;
  /** Background colour (the transparent middle of the map shows it; default white). */
  background?: Rgb;
  /** Text and tick colour (default dark grey). */
  textColor?: Rgb;
}

/**
 * Renders a horizontal colour bar for `red_transparent_blue` with limits
 * `±limit` over the background colour, with tick marks and labels at
 * `-limit`, `0` and `+limit`, and an optional caption. The bar spans the full
 * width except for a margin that keeps the end labels inside the picture.
 * @param width - picture width in pixels (positive integer)
 * @param limit - the symmetric limit (≥ 0; 0 draws an empty bar labelled 0)
 * @param options - see {@link ColorBarOptions}
 */
export function colorBar(width: number, limit: number, options: ColorBarOptions = {}): RgbImage {
  checkNumber('width', width, { integer: true, min: 1 });
  checkNumber('limit', limit, { min: 0 });
  const s = options.textScale ?? 1;
  checkNumber('options.textScale', s, { integer: true, min: 1 });
  const bg = options.background ?? WHITE;
  const fg = options.textColor ?? TEXT_DARK;
  const lo = formatTick(-limit);
  const hi = formatTick(limit);
  const margin = Math.ceil(Math.max(measureText(lo, s).width, measureText(hi, s).width) / 2) + 2;
  const barW = Math.max(1, width - 2 * margin);
  const barH = options.barHeight ?? Math.max(8, Math.round(width / 30));
  checkNumber('options.barHeight', barH, { integer: true, min: 1 });
  const tickLen = 3 * s;
  const textH = measureText('0', s).height;
  const gap = 2 * s;
  const labelH = options.label === undefined ? 0 : gap + measureText(options.label, s).height;
  const height = barH + tickLen + gap + textH + labelH + 2;
  const img = createImage(width, height, bg);
  for (let x = 0; x < barW; x++) {
    // value at the centre of this bar column
    const v = limit * (((x + 0.5) / barW) * 2 - 1);
    const [r, g, b, a] = limit > 0 ? redTransparentBlue(v, limit) : [0, 0, 0, 0];
    const c: Rgb = [mix(bg[0], r, a), mix(bg[1], g, a), mix(bg[2], b, a)];
    fillRect(img, margin + x, 0, 1, barH, c);
  }
  const ticks: [number, string][] = [
    [margin, lo],
    [margin + Math.floor(barW / 2), '0'],
    [margin + barW - 1, hi],
  ];
  for (const [tx, text] of ticks) {
    fillRect(img, tx - Math.floor(s / 2), barH, s, tickLen, fg);
    drawText(img, tx, barH + tickLen + gap, text, { scale: s, color: fg, align: 'center' });
  }
  if (options.label !== undefined) {
    drawText(img, Math.floor(width / 2), barH + tickLen + gap + textH + gap, options.label, {
      scale: s,
      color: fg,
      align: 'center',
    });
  }
  return img;
}
