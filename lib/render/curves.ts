// SPDX-License-Identifier: MIT
/**
 * Deletion and insertion curves of an evaluation (lib/metrics: `explainer.evaluate()`), one panel
 * per explained class: the class's output against the fraction of features removed (deletion) or
 * revealed (insertion), each beside the mean curve of its random orders (the chance level), with
 * axes, ticks and the AUCs in the legend. By hand with the raster and bitmap-font helpers, like the
 * other renderers, so the pixels are the same on every machine.
 */
import { checkNumber, typeError } from '../validate';
import { type Rgb, type RgbImage, TEXT_DARK, WHITE, blit, createImage, drawLine, fillRect } from './raster';
import { drawText } from './text';

/** Colour of the deletion curve (and, lighter, of its random baseline). */
export const DELETION_COLOR: Rgb = [214, 39, 40];
/** Colour of the insertion curve (and, lighter, of its random baseline). */
export const INSERTION_COLOR: Rgb = [31, 119, 180];
const DELETION_RANDOM: Rgb = [240, 170, 170];
const INSERTION_RANDOM: Rgb = [160, 195, 228];
const AXIS: Rgb = [120, 120, 120];
const GRID: Rgb = [232, 232, 232];

/** One curve and its random-order baseline, as read (and checked) from an evaluation. */
interface CurvePair {
  curve: number[];
  random: number[];
  auc: number;
  randomAuc: number;
}

/** One explained class's panel. */
interface ClassCurves {
  index: number;
  label: string;
  deletion?: CurvePair;
  insertion?: CurvePair;
}

/** Where a panel's plot area lies in the picture (for callers and tests that read pixels). */
export interface PlotArea {
  /** Class index the panel shows. */
  index: number;
  /** Left column and top row of the plot area; value `yMax` is drawn on row `y`, `yMin` on row `y + height - 1`. */
  x: number;
  y: number;
  width: number;
  height: number;
  /** The value range of the y axis: [0, 1] unless a curve leaves it. */
  yMin: number;
  yMax: number;
}

/** Options of {@link curvesImage} and `renderCurves`. */
export interface CurvesOptions {
  /** Draw only this explained class (default: every explained class, one panel each). */
  classIndex?: number;
  /** Width of one panel in pixels, 160..1600 (default 300); the plot's height follows it. */
  panelWidth?: number;
  /** Panels per row (default: up to 3). */
  columns?: number;
}

/** A finite-number array read from `v` (copied), or a TypeError naming `name`. */
function numbers(name: string, v: unknown, min = 2): number[] {
  if (!Array.isArray(v) || v.length < min) throw typeError(name, `an array of at least ${min} numbers`, v);
  return v.map((x: unknown, i) => {
    if (typeof x !== 'number' && x !== null) throw typeError(`${name}[${i}]`, 'a number', x);
    return typeof x === 'number' ? x : NaN; // JSON writes NaN as null
  });
}

/** Reads a CurveMetric (lib/metrics/curves.ts) once: the curve, the mean random curve and the AUCs. */
function readCurve(name: string, v: unknown): CurvePair | undefined {
  if (v === undefined) return undefined;
  if (typeof v !== 'object' || v === null) throw typeError(name, 'a deletion/insertion curve metric', v);
  const { curve, auc, random } = v as Record<string, unknown>;
  const c = numbers(`${name}.curve`, curve);
  if (typeof random !== 'object' || random === null) throw typeError(`${name}.random`, 'the random-order baseline', random);
  const { curves, auc: rAuc } = random as Record<string, unknown>;
  if (!Array.isArray(curves) || curves.length === 0) throw typeError(`${name}.random.curves`, 'a non-empty array of curves', curves);
  const mean = new Array<number>(c.length).fill(0);
  curves.forEach((rc, r) => {
    const values = numbers(`${name}.random.curves[${r}]`, rc);
    if (values.length !== c.length) throw typeError(`${name}.random.curves[${r}]`, `${c.length} points like the curve`, rc);
    values.forEach((y, k) => (mean[k] += y / curves.length));
  });
  const num = (x: unknown) => (typeof x === 'number' ? x : NaN);
  return { curve: c, random: mean, auc: num(auc), randomAuc: num(rAuc) };
}

/** The classes of an evaluation with their curves; TypeError for anything that is not an evaluation. */
function readEvaluation(evaluation: unknown): ClassCurves[] {
  if (typeof evaluation !== 'object' || evaluation === null || Array.isArray(evaluation))
    throw typeError('evaluation', 'an evaluation result (explainer.evaluate())', evaluation);
  const { classes } = evaluation as Record<string, unknown>;
  if (!Array.isArray(classes) || classes.length === 0)
    throw typeError('evaluation.classes', 'the explained classes of an evaluation result', classes);
  return classes.map((c: unknown, j) => {
    if (typeof c !== 'object' || c === null) throw typeError(`evaluation.classes[${j}]`, 'an evaluated class', c);
    const { index, label, deletion, insertion } = c as Record<string, unknown>;
    if (typeof index !== 'number') throw typeError(`evaluation.classes[${j}].index`, 'a class index', index);
    return {
      index,
      label: String(label ?? index),
      deletion: readCurve(`evaluation.classes[${j}].deletion`, deletion),
      insertion: readCurve(`evaluation.classes[${j}].insertion`, insertion),
    };
  });
}

/** A value with 3 decimals, or 'n/a'. */
const fixed3 = (v: number) => (Number.isFinite(v) ? v.toFixed(3) : 'n/a');

/** Tick labels: 0, 0.5, 1 style (up to 2 decimals, trailing zeros dropped). */
const tick = (v: number) => String(Number(v.toFixed(2)));

/** Draws one class's panel on a new image; returns it and its plot area. */
function panel(c: ClassCurves, width: number): { image: RgbImage; plot: Omit<PlotArea, 'index'> } {
  const pairs = [c.deletion, c.insertion].filter((p): p is CurvePair => p !== undefined);
  let yMin = 0,
    yMax = 1;
  for (const p of pairs)
    for (const v of [...p.curve, ...p.random])
      if (Number.isFinite(v)) {
        yMin = Math.min(yMin, v);
        yMax = Math.max(yMax, v);
      }
  const legend = [
    c.deletion && { color: DELETION_COLOR, text: `deletion AUC ${fixed3(c.deletion.auc)} (random ${fixed3(c.deletion.randomAuc)})` },
    c.insertion && { color: INSERTION_COLOR, text: `insertion AUC ${fixed3(c.insertion.auc)} (random ${fixed3(c.insertion.randomAuc)})` },
  ].filter((l): l is { color: Rgb; text: string } => Boolean(l));
  const left = 34,
    right = 10,
    top = 22,
    plotW = width - left - right,
    plotH = Math.round(width * 0.5);
  // Under the plot: tick labels, the axis label, a gap, the legend (two lines per curve: it and its baseline).
  const height = top + plotH + 14 + 12 + 6 + legend.length * 12 + 16;
  const img = createImage(width, height, WHITE);
  const title = `${c.label} (class ${c.index})`;
  const maxChars = Math.floor((width - 8) / 6);
  drawText(img, Math.floor(width / 2), 6, title.length > maxChars ? `${title.slice(0, maxChars - 1)}~` : title, { align: 'center' });

  const px = (k: number, n: number) => left + Math.round((k / n) * (plotW - 1));
  const py = (v: number) => top + Math.round(((yMax - v) / (yMax - yMin)) * (plotH - 1));
  // Grid and axes first, curves over them: baselines, then the curves themselves.
  for (const f of [0.25, 0.5, 0.75]) {
    fillRect(img, left + Math.round(f * (plotW - 1)), top, 1, plotH, GRID);
    fillRect(img, left, top + Math.round(f * (plotH - 1)), plotW, 1, GRID);
  }
  fillRect(img, left - 1, top, 1, plotH + 1, AXIS);
  fillRect(img, left - 1, top + plotH, plotW + 1, 1, AXIS);
  for (const v of [yMin, (yMin + yMax) / 2, yMax]) {
    fillRect(img, left - 4, py(v), 3, 1, AXIS);
    drawText(img, left - 6, py(v) - 3, tick(v), { align: 'right' });
  }
  for (const f of [0, 0.5, 1]) {
    fillRect(img, px(f, 1), top + plotH + 1, 1, 3, AXIS);
    drawText(img, px(f, 1), top + plotH + 5, tick(f), { align: 'center' });
  }
  drawText(img, left + Math.floor(plotW / 2), top + plotH + 16, 'fraction of features removed / inserted', { align: 'center' });

  const plotCurve = (curve: number[], color: Rgb) => {
    const n = curve.length - 1;
    for (let k = 0; k < n; k++)
      if (Number.isFinite(curve[k]) && Number.isFinite(curve[k + 1]))
        drawLine(img, px(k, n), py(curve[k]), px(k + 1, n), py(curve[k + 1]), color);
    if (n === 0 && Number.isFinite(curve[0])) drawLine(img, px(0, 1), py(curve[0]), px(0, 1), py(curve[0]), color);
  };
  if (c.deletion) plotCurve(c.deletion.random, DELETION_RANDOM);
  if (c.insertion) plotCurve(c.insertion.random, INSERTION_RANDOM);
  if (c.deletion) plotCurve(c.deletion.curve, DELETION_COLOR);
  if (c.insertion) plotCurve(c.insertion.curve, INSERTION_COLOR);

  let y = top + plotH + 32;
  for (const l of legend) {
    fillRect(img, 6, y + 3, 14, 2, l.color);
    drawText(img, 24, y, l.text, { color: TEXT_DARK });
    y += 12;
  }
  fillRect(img, 6, y + 3, 14, 2, c.deletion ? DELETION_RANDOM : INSERTION_RANDOM);
  if (c.deletion && c.insertion) fillRect(img, 13, y + 3, 7, 2, INSERTION_RANDOM);
  drawText(img, 24, y, 'mean of random orders (chance)');
  return { image: img, plot: { x: left, y: top, width: plotW, height: plotH, yMin, yMax } };
}

/**
 * Draws the deletion and insertion curves of an evaluation: one panel per explained class (or the
 * class `classIndex`), side by side, up to `columns` (default 3) per row. Each panel has the class's
 * curves (deletion red, insertion blue) over the fraction of features switched, the mean curve of
 * the random orders in a lighter shade of the same colour, axes with ticks, and a legend with the
 * AUCs (random baseline in brackets). The y axis spans [0, 1] unless a value leaves it.
 * @param evaluation - what `explainer.evaluate()` returned (or its JSON form) with `deletion` and/or `insertion`.
 * @param options - see {@link CurvesOptions} (default: every class, panels 300 px wide, up to 3 per row).
 * @returns the picture and each panel's plot area.
 * @throws TypeError when `evaluation` is not an evaluation result; RangeError when it has neither
 *   deletion nor insertion curves, or `classIndex` was not explained.
 */
export function curvesImage(evaluation: unknown, options: CurvesOptions = {}): { image: RgbImage; plots: PlotArea[] } {
  let classes = readEvaluation(evaluation);
  if (!classes.some((c) => c.deletion || c.insertion))
    throw new RangeError("Expected an evaluation with metric 'deletion' or 'insertion' for evaluation but received one without curves");
  if (options.classIndex !== undefined) {
    const i = checkNumber('classIndex', options.classIndex, { integer: true, min: 0 });
    classes = classes.filter((c) => c.index === i);
    if (!classes.length) throw new RangeError(`Expected one of the evaluated classes for classIndex but received ${i}`);
  }
  const width =
    options.panelWidth === undefined ? 300 : checkNumber('panelWidth', options.panelWidth, { integer: true, min: 160, max: 1600 });
  const columns = Math.min(
    classes.length,
    options.columns === undefined ? 3 : checkNumber('columns', options.columns, { integer: true, min: 1, max: 100 }),
  );
  const panels = classes.map((c) => panel(c, width));
  const rows = Math.ceil(panels.length / columns);
  const rowH = Array.from({ length: rows }, (_, r) => Math.max(...panels.slice(r * columns, (r + 1) * columns).map((p) => p.image.height)));
  const image = createImage(
    width * columns,
    rowH.reduce((a, b) => a + b, 0),
    WHITE,
  );
  const plots: PlotArea[] = [];
  panels.forEach((p, i) => {
    const x = (i % columns) * width;
    const y = rowH.slice(0, Math.floor(i / columns)).reduce((a, b) => a + b, 0);
    blit(image, p.image, x, y);
    plots.push({ index: classes[i].index, ...p.plot, x: p.plot.x + x, y: p.plot.y + y });
  });
  return { image, plots };
}
