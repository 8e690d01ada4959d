// SPDX-License-Identifier: MIT
/**
 * The pictures of `limeshap segment --evaluate` (lib/cli/sweep-quality.ts): explanation quality
 * against time, one numbered point per parameter combination with a legend under the plot, and each
 * swept parameter's effect (the score averaged over the other parameters, per value of this one).
 * Plain data in, pixels out, by hand with the raster and bitmap-font helpers like curves.ts, so the
 * pixels are the same on every machine.
 */
import { checkNumber, typeError } from '../validate';
import { type Rgb, type RgbImage, TEXT_DARK, WHITE, blit, createImage, drawLine, fillRect } from './raster';
import { drawText } from './text';

/** Colour of the points and lines. */
export const POINT_COLOR: Rgb = [31, 119, 180];
/** Colour of the best combination's point (the first one given). */
export const BEST_COLOR: Rgb = [214, 39, 40];
const AXIS: Rgb = [120, 120, 120];
const GRID: Rgb = [232, 232, 232];

/** Where a chart's plot area lies in its picture, and the value ranges of its axes. */
export interface ChartArea {
  /** Left column and top row; value `yMax` is on row `y`, `yMin` on row `y + height - 1`, `xMin` on column `x`, `xMax` on `x + width - 1`. */
  x: number;
  y: number;
  width: number;
  height: number;
  xMin: number;
  xMax: number;
  yMin: number;
  yMax: number;
}

/** One combination of the quality-against-time chart. */
export interface SweepPoint {
  /** Legend text (e.g. `quickshift ks2 md200`). */
  label: string;
  /** Seconds (x). */
  time: number;
  /** Quality score (y); NaN draws no point. */
  score: number;
}

/** One swept parameter of the effect chart: the mean score per value, in the order to draw. */
export interface EffectPanel {
  name: string;
  values: { value: string; score: number }[];
}

/** Tick labels: up to 2 decimals, trailing zeros dropped. */
const tick = (v: number) => String(Number(v.toFixed(2)));
/** A value with 3 decimals, or 'n/a'. */
const fixed3 = (v: number) => (Number.isFinite(v) ? v.toFixed(3) : 'n/a');
/** Truncates to `chars` characters with a `~` mark (the font has no ellipsis). */
const fit = (t: string, chars: number) => (t.length > chars ? `${t.slice(0, Math.max(chars - 1, 0))}~` : t);

/** The y range: [0, 1] (the score's range) widened to any finite value outside it. */
function yRange(values: readonly number[]): [number, number] {
  let lo = 0,
    hi = 1;
  for (const v of values)
    if (Number.isFinite(v)) {
      lo = Math.min(lo, v);
      hi = Math.max(hi, v);
    }
  return [lo, hi];
}

/** Row of value `v` and column of value `u` in `a`. */
const rowOf = (a: ChartArea, v: number) => a.y + Math.round(((a.yMax - v) / (a.yMax - a.yMin || 1)) * (a.height - 1));
const colOf = (a: ChartArea, u: number) => a.x + Math.round(((u - a.xMin) / (a.xMax - a.xMin || 1)) * (a.width - 1));

/** Grid, axes and y ticks of a plot area (x ticks are the caller's: numbers or categories). */
function frame(img: RgbImage, a: ChartArea): void {
  for (const f of [0.25, 0.5, 0.75]) {
    fillRect(img, a.x + Math.round(f * (a.width - 1)), a.y, 1, a.height, GRID);
    fillRect(img, a.x, a.y + Math.round(f * (a.height - 1)), a.width, 1, GRID);
  }
  fillRect(img, a.x - 1, a.y, 1, a.height + 1, AXIS);
  fillRect(img, a.x - 1, a.y + a.height, a.width + 1, 1, AXIS);
  for (const v of [a.yMin, (a.yMin + a.yMax) / 2, a.yMax]) {
    fillRect(img, a.x - 4, rowOf(a, v), 3, 1, AXIS);
    drawText(img, a.x - 6, rowOf(a, v) - 3, tick(v), { align: 'right' });
  }
}

/** A filled 5×5 square centred on (x, y). */
const dot = (img: RgbImage, x: number, y: number, color: Rgb) => fillRect(img, x - 2, y - 2, 5, 5, color);

function checkPoints(points: unknown): SweepPoint[] {
  if (!Array.isArray(points) || points.length === 0) throw typeError('points', 'a non-empty array of { label, time, score }', points);
  return points.map((p: unknown, i) => {
    if (typeof p !== 'object' || p === null) throw typeError(`points[${i}]`, '{ label, time, score }', p);
    const { label, time, score } = p as Record<string, unknown>;
    if (typeof time !== 'number' || typeof score !== 'number') throw typeError(`points[${i}]`, 'numbers time and score', p);
    return { label: String(label), time, score };
  });
}

/**
 * Quality against time: one point per combination, numbered 1.. in the order given (give them in
 * rank order: point 1, the best, is drawn red and last, over the others), x the time in seconds from
 * 0, y the score; under the plot a legend line per point (number, label, score, time).
 * @param points - the combinations (label, time in seconds, score); NaN values draw no point.
 * @param options.title - the title line (default 'explanation quality against time').
 * @param options.xLabel - the x axis label (default 'seconds per image').
 * @param options.yLabel - the y axis name in the legend lines (default 'score').
 * @param options.width - picture width in pixels, 240..1600 (default 480).
 * @returns the picture, its plot area and each point's centre (in the order given; undefined for a NaN point).
 * @throws TypeError for points that are not `{ label, time, score }`.
 */
export function qualityTimeChart(
  points: readonly SweepPoint[],
  options: { title?: string; xLabel?: string; yLabel?: string; width?: number } = {},
): { image: RgbImage; plot: ChartArea; centres: ({ x: number; y: number } | undefined)[] } {
  const ps = checkPoints(points);
  const width = options.width === undefined ? 480 : checkNumber('width', options.width, { integer: true, min: 240, max: 1600 });
  const times = ps.map((p) => p.time).filter(Number.isFinite);
  const [yMin, yMax] = yRange(ps.map((p) => p.score));
  const xMax = Math.max(...times, 0) * 1.08 || 1;
  const left = 40,
    top = 22,
    plotW = width - left - 14,
    plotH = Math.round(plotW * 0.6);
  const legendTop = top + plotH + 32;
  const height = legendTop + ps.length * 12 + 6;
  const img = createImage(width, height, WHITE);
  const a: ChartArea = { x: left, y: top, width: plotW, height: plotH, xMin: 0, xMax, yMin, yMax };
  const chars = Math.floor((width - 8) / 6);
  drawText(img, Math.floor(width / 2), 6, fit(options.title ?? 'explanation quality against time', chars), { align: 'center' });
  frame(img, a);
  for (const f of [0, 0.5, 1]) {
    fillRect(img, colOf(a, f * xMax), top + plotH + 1, 1, 3, AXIS);
    drawText(img, colOf(a, f * xMax), top + plotH + 5, tick(f * xMax), { align: 'center' });
  }
  drawText(img, left + Math.floor(plotW / 2), top + plotH + 16, options.xLabel ?? 'seconds per image', { align: 'center' });
  const centres = ps.map((p) =>
    Number.isFinite(p.time) && Number.isFinite(p.score) ? { x: colOf(a, p.time), y: rowOf(a, p.score) } : undefined,
  );
  // The best last, so it is on top where points overlap; numbers beside the points.
  for (let i = ps.length - 1; i >= 0; i--) {
    const c = centres[i];
    if (c === undefined) continue;
    dot(img, c.x, c.y, i === 0 ? BEST_COLOR : POINT_COLOR);
    drawText(img, c.x + 4, c.y - 9, String(i + 1), { color: i === 0 ? BEST_COLOR : TEXT_DARK });
  }
  const yName = options.yLabel ?? 'score';
  ps.forEach((p, i) => {
    const line = `${i + 1}  ${p.label}: ${yName} ${fixed3(p.score)}, ${Number.isFinite(p.time) ? p.time.toFixed(2) : 'n/a'} s`;
    drawText(img, 6, legendTop + i * 12, fit(line, chars - 1), { color: i === 0 ? BEST_COLOR : TEXT_DARK });
  });
  return { image: img, plot: a, centres };
}

/** One parameter's panel: its values equally spaced on x, the mean score on y, joined by lines. */
function effectPanel(p: EffectPanel, width: number, yMin: number, yMax: number): { image: RgbImage; plot: ChartArea } {
  const left = 40,
    top = 22,
    plotW = width - left - 14,
    plotH = Math.round(plotW * 0.6);
  const img = createImage(width, top + plotH + 30, WHITE);
  const n = p.values.length;
  // Categories at 0..n-1, with half a step of margin on both sides.
  const a: ChartArea = { x: left, y: top, width: plotW, height: plotH, xMin: -0.5, xMax: n - 0.5, yMin, yMax };
  drawText(img, Math.floor(width / 2), 6, fit(p.name, Math.floor((width - 8) / 6)), { align: 'center' });
  frame(img, a);
  const slot = Math.max(1, Math.floor(plotW / n / 6));
  p.values.forEach((v, i) => {
    fillRect(img, colOf(a, i), top + plotH + 1, 1, 3, AXIS);
    drawText(img, colOf(a, i), top + plotH + 5, fit(v.value, slot), { align: 'center' });
  });
  drawText(img, left + Math.floor(plotW / 2), top + plotH + 17, 'mean score over the other parameters', { align: 'center' });
  for (let i = 0; i + 1 < n; i++) {
    const [s0, s1] = [p.values[i].score, p.values[i + 1].score];
    if (Number.isFinite(s0) && Number.isFinite(s1)) drawLine(img, colOf(a, i), rowOf(a, s0), colOf(a, i + 1), rowOf(a, s1), POINT_COLOR);
  }
  p.values.forEach((v, i) => Number.isFinite(v.score) && dot(img, colOf(a, i), rowOf(a, v.score), POINT_COLOR));
  return { image: img, plot: a };
}

/**
 * Each swept parameter's effect: one panel per parameter, side by side (up to `columns`, default
 * 3, per row), its values equally spaced on x in the order given and the mean score on y (the same
 * y range in every panel, [0, 1] unless a value leaves it), points joined by lines.
 * With no panels, a picture that says no parameter took more than one value.
 * @param panels - per parameter, its values (as text) and their mean scores.
 * @param options.panelWidth - 200..1600 (default 300). @param options.columns - 1..100 (default 3).
 * @returns the picture and each panel's plot area (x values: the value's index).
 * @throws TypeError for panels that are not `{ name, values: [{ value, score }] }`.
 */
export function parameterEffectChart(
  panels: readonly EffectPanel[],
  options: { panelWidth?: number; columns?: number } = {},
): { image: RgbImage; plots: ChartArea[] } {
  if (!Array.isArray(panels)) throw typeError('panels', 'an array of { name, values }', panels);
  panels.forEach((p, i) => {
    if (typeof p !== 'object' || p === null || !Array.isArray(p.values) || p.values.length === 0)
      throw typeError(`panels[${i}]`, '{ name, values: [{ value, score }] } with at least one value', p);
  });
  const width =
    options.panelWidth === undefined ? 300 : checkNumber('panelWidth', options.panelWidth, { integer: true, min: 200, max: 1600 });
  if (panels.length === 0) {
    const image = createImage(width, 40, WHITE);
    drawText(image, Math.floor(width / 2), 16, 'no parameter took more than one value', { align: 'center' });
    return { image, plots: [] };
  }
  const [yMin, yMax] = yRange(panels.flatMap((p) => p.values.map((v: { score: number }) => v.score)));
  const columns = Math.min(
    panels.length,
    options.columns === undefined ? 3 : checkNumber('columns', options.columns, { integer: true, min: 1, max: 100 }),
  );
  const drawn = panels.map((p) => effectPanel(p, width, yMin, yMax));
  const rowH = drawn[0].image.height;
  const image = createImage(width * columns, rowH * Math.ceil(drawn.length / columns), WHITE);
  const plots = drawn.map((d, i) => {
    const x = (i % columns) * width,
      y = Math.floor(i / columns) * rowH;
    blit(image, d.image, x, y);
    return { ...d.plot, x: d.plot.x + x, y: d.plot.y + y };
  });
  return { image, plots };
}
