// SPDX-License-Identifier: MIT
/**
 * `limeshap segment`: runs every combination of segmentation parameters on every image and writes a
 * table (printed, CSV, JSON), one boundary overlay per image and combination, and one contact sheet
 * per image, so parameters can be compared by numbers and by eye.
 *
 * With `--model`, every image is first brought to the model's size exactly as `explain` does
 * (`explainer.prepare()`: the preset's resize and crop), so the segment counts are those explain
 * gets. With `--evaluate` as well, every image is explained with LIME on each combination's
 * segmentation and measured, and the combinations are ranked (sweep-quality.ts).
 */
import * as path from 'node:path';
import { writeAtomic } from '../atomic-write';
import { createExplainer } from '../explainer';
import { loadImage, type RgbImage } from '../image';
import type { LimeOptions } from '../lime';
import { METRIC_NAMES } from '../metrics/registry';
import { DEFAULT_PRESET } from '../preprocess';
import { DEFAULT_SEED } from '../rng';
import {
  resolveSegmentOptions,
  SEGMENT_REGISTRY,
  segmentRgb,
  type SegmentMethod,
  type SegmentMethodSpec,
  type SegmentOptions,
  type SegmentParam,
} from '../segment';
import { contactSheet, encodePng, markBoundaries } from '../render';
import { numberList, parseSize, stem } from './args';
import { EXPLAIN_FLAGS, limeOptionsOf, presetText, readExplainSettings } from './explain-flags';
import { flagUsage, numberFlag, parseFlags, text, type Flag, type FlagValues } from './flags';
import { collectInputs } from './inputs';
import { makeOutFolder } from './out-folder';
import {
  csvLine,
  explainAndEvaluate,
  paramText,
  rankCombinations,
  rankingLines,
  SWEEP_FILES,
  writeSweep,
  type ImageQuality,
} from './sweep-quality';
import { printable } from './terminal';

/** The methods the sweep offers, and their swept parameters (by option name, shared ones once). */
const SWEPT: readonly SegmentMethodSpec[] = SEGMENT_REGISTRY.filter((m) => m.sweep);
const SWEPT_PARAMS = new Map<string, { param: SegmentParam; methods: string[] }>();
for (const m of SWEPT) {
  for (const p of m.params) {
    if (!p.sweep) continue;
    const seen = SWEPT_PARAMS.get(p.name);
    if (seen) seen.methods.push(m.name);
    else SWEPT_PARAMS.set(p.name, { param: p, methods: [m.name] });
  }
}
/** kernelSize -> kernel-size */
const flagOf = (name: string) => name.replace(/[A-Z]/g, (c) => `-${c.toLowerCase()}`);

/** explain's flags that load the model the same way (`--model` turns the model-sized mode on). */
const MODEL_FLAGS = ['model', 'preset', 'class-names', 'provider', 'inference'];
/** explain's flags that choose LIME's settings and the metrics: only with `--evaluate`. */
const LIME_FLAGS = ['samples', 'stability-target', 'max-samples', 'hide', 'kernel-width', 'regressor', 'sampler', 'top', 'evaluate'];
/** Help texts that say something else here than in explain. */
const OWN_HELP: Record<string, string> = {
  model: "an ONNX classifier: segment the model-sized image explain uses (its --preset's resize\nand crop) instead of the image as it is",
  evaluate: `with --model: explain each image with LIME on every combination and measure it:\na comma list of ${METRIC_NAMES.join(', ')};\nranks the combinations (sweep.csv, sweep.json, sweep-*.png)`,
  top: "classes explained per image; a metric's value is their mean (default 1)",
};
/** explain's definitions of `names`, in explain's order, with {@link OWN_HELP} where it differs. */
const explainFlags = (names: readonly string[]): Flag[] =>
  EXPLAIN_FLAGS.filter((f) => names.includes(f.name)).map((f) => (OWN_HELP[f.name] ? { ...f, help: OWN_HELP[f.name] } : f));

/** The flags of `limeshap segment`: a list flag per swept parameter of the registered methods, then explain's model and LIME flags. */
export const SEGMENT_FLAGS: readonly Flag[] = [
  {
    name: 'method',
    type: 'string',
    arg: 'LIST',
    help: `${SWEPT.map((m, i) => (i === 0 ? `${m.name} (default)` : m.name)).join(', ')} (comma list)`,
  },
  ...[...SWEPT_PARAMS.values()].map(({ param, methods }): Flag => ({
    name: flagOf(param.name),
    type: 'string',
    arg: 'LIST',
    help: `${methods.join('/')}: ${param.summary} (default ${param.default})`,
  })),
  {
    name: 'seed',
    type: 'string',
    arg: 'N',
    help: `tie-break seed; with --evaluate also LIME's and the metrics' (default ${DEFAULT_SEED})`,
  },
  { name: 'size', type: 'string', arg: 'N|WxH', help: 'resize first (aspect ratio not kept); not with --model' },
  { name: 'out', type: 'string', arg: 'DIR', help: 'output folder (default ./limeshap-segment)' },
  ...explainFlags(MODEL_FLAGS),
  ...explainFlags(LIME_FLAGS),
  { name: 'help', type: 'boolean', short: 'h', help: 'this text' },
];

export const SEGMENT_USAGE = `Usage: limeshap segment <images or directories…> [options]

Runs every combination of the listed parameter values on every image (folders are walked
recursively; globs such as 'photos/**/*.jpg' are expanded). Exit code: 0 done, 1 an image (or an
image's explanation on a combination) failed, 2 bad usage (an unknown flag, a glob or folder
without images, --out naming a file).
${flagUsage(SEGMENT_FLAGS)}
Writes DIR/segments.csv, DIR/segments.json (a row per image and combination), DIR/NAME.<params>.png
overlays and DIR/NAME.sheet.png. With --model the image is the model-sized one explain explains;
with --evaluate the rows also hold explain_s, evaluate_s and each metric (mean over the explained
classes: --top, default 1), and the ranking of the combinations is printed and written to
DIR/sweep.csv and DIR/sweep.json (score, time, segments, metric means over the images), with
DIR/sweep-quality-time.png (score against time, a numbered point per combination) and
DIR/sweep-effects.png (per swept parameter, the mean score of each of its values).
Example: limeshap segment photos/ --model m.onnx --kernel-size 2,4,6 --evaluate deletion,insertion --samples 200`;

/** One row of the table. */
export interface SegmentRow {
  image: string;
  method: SegmentMethod;
  params: Record<string, number | boolean>;
  count: number;
  minSize: number;
  medianSize: number;
  maxSize: number;
  ms: number;
  overlay: string;
  /** `method-<tag><value>…`: the combination (as in the overlay's name). */
  combination: string;
  /** The swept parameters' values of the combination. */
  swept: Record<string, number>;
  /** With --evaluate: LIME and evaluation seconds, explained classes and metric means (see sweep-quality.ts). */
  explainS?: number;
  evaluateS?: number;
  classes?: number[];
  quality?: ImageQuality['quality'];
  /** With --evaluate: why this image's explanation on this combination failed. */
  error?: string;
}

/** The model-sized mode's settings: explain's flags read by explain's own parser. */
interface ModelMode {
  model: string;
  preset: string | undefined;
  load: Parameters<typeof createExplainer>[1];
  /** With --evaluate. */
  evaluate?: { metrics: NonNullable<ReturnType<typeof readExplainSettings>['evaluate']>; lime: LimeOptions; top: number };
}

/**
 * Reads `--model` and the explain flags with explain's parser; RangeError naming the flag for a
 * flag that needs another one (--evaluate without --model, LIME's flags without --evaluate) or
 * cannot go with it (--size with --model).
 */
function readModelMode(values: FlagValues): ModelMode | undefined {
  const given = (names: string[]) => names.filter((n) => values[n] !== undefined);
  const [needsModel] = given(MODEL_FLAGS.filter((n) => n !== 'model').concat(LIME_FLAGS));
  if (values.model === undefined) {
    if (needsModel !== undefined)
      throw new RangeError(
        `--${needsModel} needs --model (it sets how the model is loaded or explained), got --${needsModel} ${text(values, needsModel) ?? ''}`.trim(),
      );
    return undefined;
  }
  if (values.size !== undefined)
    throw new RangeError(
      `--size cannot go with --model: the model's preprocessing (--preset) brings each image to the model's size, got --size ${text(values, 'size')}`,
    );
  const [limeOnly] = given(LIME_FLAGS.filter((n) => n !== 'evaluate'));
  if (values.evaluate === undefined && limeOnly !== undefined)
    throw new RangeError(`--${limeOnly} sets how LIME explains: it needs --evaluate, got --${limeOnly} ${text(values, limeOnly)}`);
  // explain's parser, on explain's flags only (segment's --method is not explain's).
  const s = readExplainSettings(Object.fromEntries(given([...MODEL_FLAGS, ...LIME_FLAGS, 'seed']).map((n) => [n, values[n]])));
  const mode: ModelMode = {
    model: s.model,
    preset: s.preset === undefined ? undefined : presetText(s.preset),
    load: { preprocess: s.preset, classNames: s.classNames, executionProviders: s.providers, inference: s.inference },
  };
  if (s.evaluate !== undefined)
    mode.evaluate = {
      metrics: s.evaluate,
      top: s.top ?? 1,
      // Segmentation is the sweep's; the seed is always set so every combination samples alike.
      lime: { ...limeOptionsOf(s), seed: s.seed ?? DEFAULT_SEED },
    };
  return mode;
}

function combinations(lists: Record<string, number[]>): Record<string, number>[] {
  let out: Record<string, number>[] = [{}];
  for (const [key, values] of Object.entries(lists)) out = out.flatMap((o) => values.map((v) => ({ ...o, [key]: v })));
  return out;
}

function sizes(labels: Int32Array, count: number): { min: number; median: number; max: number } {
  const n = new Array<number>(count).fill(0);
  for (const l of labels) n[l]++;
  n.sort((a, b) => a - b);
  const median = count % 2 ? n[(count - 1) / 2] : (n[count / 2 - 1] + n[count / 2]) / 2;
  return { min: n[0], median, max: n[count - 1] };
}

/** Runs the command; returns the process exit code. */
export async function segmentCommand(argv: string[], log: (line: string) => void = console.log): Promise<number> {
  const { values, positionals } = parseFlags(SEGMENT_FLAGS, argv, 'segment');
  if (values.help || argv.length === 0) {
    log(SEGMENT_USAGE);
    return values.help ? 0 : 2;
  }
  if (positionals.length === 0) {
    console.error(
      'limeshap segment: no inputs: give images, directories or globs\n  e.g. limeshap segment photos/ --kernel-size 2,4,6 ("limeshap segment --help" lists the flags)',
    );
    return 2;
  }
  const methods = (text(values, 'method') ?? SWEPT[0].name).split(',') as SegmentMethod[];
  for (const m of methods) {
    if (!SWEPT.some((s) => s.name === m)) throw new RangeError(`--method must be ${SWEPT.map((s) => s.name).join(', ')}, got "${m}"`);
  }
  const seed = numberFlag(values, 'seed', { integer: true, min: 0 });
  const resize = parseSize(text(values, 'size'));
  const mode = readModelMode(values);
  // Every combination of each method's swept parameters; the others take their defaults.
  const grids = Object.fromEntries(
    SWEPT.map((m) => [
      m.name,
      combinations(
        Object.fromEntries(
          m.params
            .filter((p) => p.sweep)
            .map((p) => [p.name, numberList(flagOf(p.name), text(values, flagOf(p.name)), [p.default as number])]),
        ),
      ),
    ]),
  ) as Record<string, Record<string, number>[]>;
  // Values wrong on any image (a negative kernel size) are bad usage (exit 2) before any work; bounds that
  // depend on the image (a grid's rows) fail that image's row only.
  for (const method of methods) for (const combo of grids[method]) resolveSegmentOptions({ method, seed, ...combo } as SegmentOptions);
  const tags = new Map([...SWEPT_PARAMS].map(([name, { param }]) => [name, param.sweep?.tag ?? name]));
  // The same expansion as explain: folders recursively, globs, one entry per file; a glob or folder
  // without images is bad usage (exit 2) before any output is made.
  const inputs = collectInputs(positionals);
  const out = path.resolve(text(values, 'out') ?? 'limeshap-segment');
  makeOutFolder(out);

  const rows: SegmentRow[] = [];
  let failures = 0;
  const evaluating = mode?.evaluate !== undefined;
  const explainer = mode ? await createExplainer(mode.model, mode.load) : undefined;
  try {
    if (explainer)
      log(
        `model-sized images: ${explainer.preprocess.size[1]}x${explainer.preprocess.size[0]} (${explainer.preprocess.resize}, as explain)`,
      );
    const head = ['image', 'method', 'params', 'segments', 'min', 'median', 'max', 'ms'];
    log((evaluating ? [...head, 'explain_s', 'evaluate_s', ...(mode?.evaluate?.metrics ?? [])] : head).join('\t'));
    for (const file of inputs) {
      let rgb: RgbImage;
      try {
        rgb = explainer ? await explainer.prepare(file) : await loadImage(file, resize);
      } catch (err) {
        failures++;
        log(`${printable(file)}\tERROR\t${printable((err as Error).message)}`);
        continue;
      }
      const tiles = [];
      for (const method of methods) {
        for (const combo of grids[method]) {
          const tag = Object.entries(combo)
            .map(([k, v]) => `${tags.get(k) ?? k}${v}`)
            .join('-');
          const name = `${printable(path.basename(file))}\t${method}\t${paramText(combo)}`;
          let seg;
          try {
            seg = await segmentRgb(rgb, { method, seed, ...combo } as SegmentOptions);
          } catch (err) {
            // A value that does not fit this image (a grid with more rows than pixels): the others go on.
            failures++;
            log(`${name}\tERROR\t${printable((err as Error).message)}`);
            continue;
          }
          const s = sizes(seg.labels, seg.count);
          const overlayName = `${stem(file)}.${method}-${tag}.png`;
          const overlay = markBoundaries(rgb, seg.labels);
          writeAtomic(path.join(out, overlayName), await encodePng(overlay));
          const row: SegmentRow = {
            image: file,
            method,
            params: seg.params,
            count: seg.count,
            minSize: s.min,
            medianSize: s.median,
            maxSize: s.max,
            ms: seg.ms,
            overlay: overlayName,
            combination: `${method}-${tag}`,
            swept: combo,
          };
          const cells: (string | number)[] = [seg.count, s.min, s.median, s.max, seg.ms.toFixed(1)];
          if (explainer && mode?.evaluate) {
            const ev = mode.evaluate;
            try {
              const topLabels = Math.min(ev.top, explainer.model.classes ?? ev.top);
              const q = await explainAndEvaluate(explainer, rgb, seg, { ...ev.lime, topLabels }, ev.metrics);
              Object.assign(row, q);
              cells.push(q.explainS.toFixed(2), q.evaluateS.toFixed(2), ...ev.metrics.map((m) => (q.quality[m] ?? NaN).toFixed(3)));
            } catch (err) {
              failures++;
              row.error = (err as Error).message;
              cells.push('ERROR', printable(row.error));
            }
          }
          rows.push(row);
          log([name, ...cells].join('\t'));
          tiles.push({ image: overlay, caption: [`${method} ${paramText(combo)}`, `${seg.count} segments, ${seg.ms.toFixed(1)} ms`] });
        }
      }
      if (tiles.length) {
        const sheet = contactSheet(tiles, { title: path.basename(file), tileWidth: Math.min(rgb.width, 320) });
        writeAtomic(path.join(out, `${stem(file)}.sheet.png`), await encodePng(sheet));
      }
    }
  } finally {
    await explainer?.dispose();
  }
  const metrics = mode?.evaluate?.metrics ?? [];
  const header = ['image', 'method', 'params', 'segments', 'min_size', 'median_size', 'max_size', 'ms', 'overlay'];
  const evalHeader = ['explain_s', 'evaluate_s', ...metrics, 'error'];
  const csv = rows.map((r) =>
    csvLine([
      r.image,
      r.method,
      paramText(r.params),
      r.count,
      r.minSize,
      r.medianSize,
      r.maxSize,
      r.ms.toFixed(3),
      r.overlay,
      ...(evaluating ? [r.explainS ?? '', r.evaluateS ?? '', ...metrics.map((m) => r.quality?.[m] ?? ''), r.error ?? ''] : []),
    ]),
  );
  writeAtomic(path.join(out, 'segments.csv'), [[...header, ...(evaluating ? evalHeader : [])].join(','), ...csv].join('\n') + '\n');
  writeAtomic(path.join(out, 'segments.json'), JSON.stringify(rows, null, 1) + '\n');
  if (mode?.evaluate && explainer) {
    const ranked = rankCombinations(rows, metrics);
    log('');
    for (const line of rankingLines(ranked, metrics)) log(line);
    await writeSweep(out, ranked, {
      model: mode.model,
      preset: mode.preset ?? DEFAULT_PRESET,
      size: [explainer.preprocess.size[1], explainer.preprocess.size[0]],
      metrics,
      lime: { ...mode.evaluate.lime, topLabels: mode.evaluate.top },
    });
    log(`wrote ${SWEEP_FILES.join(', ')}`);
  }
  log(`wrote ${rows.length} rows, overlays and contact sheets to ${out}${failures ? ` (${failures} failed: images or combinations)` : ''}`);
  return failures ? 1 : 0;
}
