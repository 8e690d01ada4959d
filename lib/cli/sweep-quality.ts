// SPDX-License-Identifier: MIT
/**
 * The quality part of `limeshap segment --model M --evaluate …` (segment-command.ts runs the
 * sweep): one image explained with LIME on one combination's segmentation and measured with
 * `explainer.evaluate()`; the per-image numbers averaged per combination; the combinations ranked
 * by {@link SCORE_TEXT}; the ranking printed and written (sweep.csv, sweep.json) and drawn
 * (sweep-quality-time.png, sweep-effects.png).
 *
 * Why a rank average and not, say, insertion AUC − deletion AUC: the metrics have different
 * scales (AUCs are probabilities that depend on how sure the model is of the class; MuFidelity and
 * stability are correlations in [−1, 1]) and the user picks any subset of them; ranks make them
 * comparable without weights, and a combination best in every chosen metric scores exactly 1.
 * The price: a score is relative to the combinations of this sweep.
 */
import { performance } from 'node:perf_hooks';
import * as path from 'node:path';
import { writeAtomic } from '../atomic-write';
import { explainedWith } from '../batch';
import type { Explainer } from '../explainer';
import type { RgbImage } from '../image';
import type { LimeOptions } from '../lime';
import type { ClassEvaluation } from '../metrics/run';
import type { MetricName } from '../metrics/registry';
import { encodePng } from '../render';
import { parameterEffectChart, qualityTimeChart, type EffectPanel } from '../render/sweep-charts';
import type { Segmentation } from '../segment';

/** Which way a headline number is better: lower, higher, or nearer 0 (either sign). */
export type Better = 'lower' | 'higher' | 'zero';

/** Which way each metric's headline number is better. */
export const BETTER: Readonly<Record<MetricName, Better>> = {
  deletion: 'lower',
  insertion: 'higher',
  mufidelity: 'higher',
  stability: 'higher',
  // ρ near 0: the explanation changed when the model was destroyed; ρ = −0.9 is as suspect as 0.9.
  randomization: 'zero',
};

/** The arrow after a metric's column name: ↓ lower, ↑ higher, →0 nearer zero is better. */
export const ARROW: Readonly<Record<Better, string>> = { lower: '↓', higher: '↑', zero: '→0' };

/** What each metric's headline number is (per explained class, then averaged). */
export const HEADLINE: Readonly<Record<MetricName, string>> = {
  deletion: 'deletion AUC',
  insertion: 'insertion AUC',
  mufidelity: 'MuFidelity (Pearson correlation)',
  stability: 'stability (mean pairwise Spearman over seeds)',
  randomization: 'Spearman correlation with the explanation of the randomised model',
};

/** How the ranking score is made (printed, and written into sweep.json). */
export const SCORE_TEXT =
  "score = mean over the chosen metrics of the combination's rank among all combinations, scaled to 0..1 " +
  '(1 = best in that metric, by its direction; tied values share their mean rank; a metric without a value counts 0); ' +
  'ties in score: the faster combination first';

/** What the time of a combination is (the x of the quality-against-time picture). */
export const TIME_TEXT =
  'time = segmentation + LIME explanation, seconds per image (what the setting costs in explain; evaluation not included)';

/** One metric's headline number of one explained class (NaN when the metric did not run). */
function headline(c: ClassEvaluation, m: MetricName): number {
  switch (m) {
    case 'deletion':
      return c.deletion?.auc ?? NaN;
    case 'insertion':
      return c.insertion?.auc ?? NaN;
    case 'mufidelity':
      return c.mufidelity?.correlation ?? NaN;
    case 'stability':
      return c.stability?.spearman ?? NaN;
    case 'randomization':
      return c.randomization?.spearman ?? NaN;
  }
}

/** The mean of the finite values (NaN when there are none): an undefined correlation is left out, not averaged in. */
export function finiteMean(values: readonly number[]): number {
  const ok = values.filter(Number.isFinite);
  return ok.length ? ok.reduce((a, b) => a + b, 0) / ok.length : NaN;
}

/** What one image's explanation on one combination measured. */
export interface ImageQuality {
  /** Seconds of `explainer.lime()` (the segmentation is ready, so not included). */
  explainS: number;
  /** Seconds of `explainer.evaluate()`. */
  evaluateS: number;
  /** Explained class indices, highest first. */
  classes: number[];
  /** Per metric, the mean over the explained classes of its headline number ({@link HEADLINE}). */
  quality: Partial<Record<MetricName, number>>;
}

/**
 * Explains the model-sized `rgb` with LIME on the ready segmentation `seg` (so the explained
 * segmentation is the swept one) and measures it with `metrics`, as `explain --evaluate` does
 * (evaluation seed = the LIME seed; stability explains again with the same LIME settings).
 * @param lime - LIME's settings from the flags (samples, hide, kernel width, regressor, sampler, seed, topLabels).
 */
export async function explainAndEvaluate(
  explainer: Explainer,
  rgb: RgbImage,
  seg: Segmentation,
  lime: LimeOptions,
  metrics: MetricName[],
): Promise<ImageQuality> {
  // Raw pixels already of the model's size: prepare() uses them as they are.
  const image = { ...rgb, channels: 3 as const };
  const t0 = performance.now();
  const result = await explainer.lime(image, { ...lime, segmentation: seg });
  const t1 = performance.now();
  const evaluation = await explainer.evaluate(image, result, { metrics, seed: lime.seed, explainOptions: explainedWith(lime) });
  const t2 = performance.now();
  const quality: Partial<Record<MetricName, number>> = {};
  for (const m of metrics) quality[m] = finiteMean(evaluation.classes.map((c) => headline(c, m)));
  return { explainS: (t1 - t0) / 1000, evaluateS: (t2 - t1) / 1000, classes: result.explanations.map((e) => e.index), quality };
}

/** A per-image row as the ranking reads it (segment-command.ts's SegmentRow). */
export interface QualityRow {
  combination: string;
  method: string;
  /** The swept parameters' values of the combination. */
  swept: Record<string, number>;
  count: number;
  ms: number;
  /** Absent when the explanation or evaluation failed. */
  explainS?: number;
  evaluateS?: number;
  quality?: Partial<Record<MetricName, number>>;
}

/** One combination, averaged over its images and ranked. */
export interface RankedCombination {
  rank: number;
  /** `method-<tag><value>…`, as in the overlay names. */
  combination: string;
  method: string;
  /** The swept parameters' values. */
  params: Record<string, number>;
  /** See {@link SCORE_TEXT}. */
  score: number;
  /** Images explained and evaluated. */
  images: number;
  /** Images whose explanation or evaluation failed (their segmentation is in the table). */
  failed: number;
  /** Mean segment count over the explained images. */
  segments: number;
  /** Mean segmentation milliseconds per image. */
  segmentMs: number;
  /** Mean LIME seconds per image. */
  explainS: number;
  /** Mean evaluation seconds per image. */
  evaluateS: number;
  /** See {@link TIME_TEXT}. */
  timeS: number;
  /** Per metric, the mean over the images ({@link finiteMean}). */
  quality: Partial<Record<MetricName, number>>;
}

/**
 * Each combination's rank position in `values` scaled to 0..1 (1 = best by `better`; tied values
 * share their mean rank; a non-finite value gets 0; a single finite value gets 1).
 */
export function scaledRanks(raw: readonly number[], better: Better): number[] {
  // Nearer zero is better: rank |v|, lower first.
  const values = better === 'zero' ? raw.map(Math.abs) : raw;
  const out = values.map(() => 0);
  const order = values.map((_, i) => i).filter((i) => Number.isFinite(values[i]));
  const n = order.length;
  order.sort((a, b) => (better === 'higher' ? values[b] - values[a] : values[a] - values[b]));
  for (let i = 0; i < n;) {
    let j = i;
    while (j + 1 < n && values[order[j + 1]] === values[order[i]]) j++;
    const rank = (i + j) / 2; // 0 = best
    for (let k = i; k <= j; k++) out[order[k]] = n === 1 ? 1 : 1 - rank / (n - 1);
    i = j + 1;
  }
  return out;
}

/**
 * Groups the per-image rows by combination (first-seen order), averages them and ranks the
 * combinations by {@link SCORE_TEXT}.
 */
export function rankCombinations(rows: readonly QualityRow[], metrics: readonly MetricName[]): RankedCombination[] {
  const groups = new Map<string, QualityRow[]>();
  for (const r of rows) groups.set(r.combination, [...(groups.get(r.combination) ?? []), r]);
  const combos = [...groups.values()].map((g): Omit<RankedCombination, 'rank' | 'score'> => {
    const ok = g.filter((r) => r.quality !== undefined);
    const mean = (f: (r: QualityRow) => number) => (ok.length ? ok.reduce((a, r) => a + f(r), 0) / ok.length : NaN);
    const quality: Partial<Record<MetricName, number>> = {};
    for (const m of metrics) quality[m] = finiteMean(ok.map((r) => r.quality?.[m] ?? NaN));
    const segmentMs = mean((r) => r.ms);
    const explainS = mean((r) => r.explainS as number);
    return {
      combination: g[0].combination,
      method: g[0].method,
      params: g[0].swept,
      images: ok.length,
      failed: g.length - ok.length,
      segments: mean((r) => r.count),
      segmentMs,
      explainS,
      evaluateS: mean((r) => r.evaluateS as number),
      timeS: segmentMs / 1000 + explainS,
      quality,
    };
  });
  const perMetric = metrics.map((m) =>
    scaledRanks(
      combos.map((c) => c.quality[m] ?? NaN),
      BETTER[m],
    ),
  );
  const scored = combos.map((c, i) => ({
    ...c,
    score: c.images === 0 ? NaN : perMetric.reduce((a, r) => a + r[i], 0) / metrics.length,
    order: i,
  }));
  const key = (v: number, worst: number) => (Number.isFinite(v) ? v : worst);
  scored.sort(
    (a, b) => key(b.score, -Infinity) - key(a.score, -Infinity) || key(a.timeS, Infinity) - key(b.timeS, Infinity) || a.order - b.order,
  );
  return scored.map(({ order: _order, ...c }, i) => ({ rank: i + 1, ...c }));
}

/** `kernelSize=2 maxDist=200`. */
export const paramText = (params: Record<string, number | boolean>) =>
  Object.entries(params)
    .map(([k, v]) => `${k}=${v}`)
    .join(' ');

/**
 * The parameters that take more than one value among the combinations (all of them when none
 * does): what the printed table and the pictures show of each combination, the rest being the
 * same everywhere (CSV and JSON have every one).
 */
function varying(ranked: readonly RankedCombination[]): (params: Record<string, number>) => Record<string, number> {
  const values = new Map<string, Set<number>>();
  for (const c of ranked) for (const [k, v] of Object.entries(c.params)) values.set(k, (values.get(k) ?? new Set()).add(v));
  const keep = [...values].filter(([, vs]) => vs.size > 1).map(([k]) => k);
  return (params) => (keep.length ? Object.fromEntries(Object.entries(params).filter(([k]) => keep.includes(k))) : params);
}

const num = (v: number, digits: number) => (Number.isFinite(v) ? v.toFixed(digits) : 'n/a');

/** The ranking as aligned text lines for the terminal (header, the score's definition, one line per combination). */
export function rankingLines(ranked: readonly RankedCombination[], metrics: readonly MetricName[]): string[] {
  const head = [
    'rank',
    'method',
    'params',
    'score',
    'segments',
    'seg ms',
    'explain s',
    'eval s',
    ...metrics.map((m) => `${m}${ARROW[BETTER[m]]}`),
    'images',
  ];
  const shown = varying(ranked);
  const body = ranked.map((c) => [
    String(c.rank),
    c.method,
    paramText(shown(c.params)),
    num(c.score, 3),
    num(c.segments, 1),
    num(c.segmentMs, 1),
    num(c.explainS, 2),
    num(c.evaluateS, 2),
    ...metrics.map((m) => num(c.quality[m] ?? NaN, 3)),
    c.failed ? `${c.images} (${c.failed} failed)` : String(c.images),
  ]);
  const widths = head.map((h, j) => Math.max(h.length, ...body.map((r) => r[j].length)));
  const line = (cells: string[]) =>
    cells
      .map((c, j) => (j === 2 || j === 1 ? c.padEnd(widths[j]) : c.padStart(widths[j])))
      .join('  ')
      .trimEnd();
  return [
    `ranking of ${ranked.length} combinations (↓ lower is better, ↑ higher is better, →0 nearer zero is better; quality: means over the images; params: those that vary)`,
    SCORE_TEXT,
    TIME_TEXT,
    line(head),
    ...body.map(line),
  ];
}

/** One CSV line, quoting fields that need it. */
export function csvLine(values: readonly (string | number)[]): string {
  return values.map((v) => (/[",\n]/.test(String(v)) ? `"${String(v).replace(/"/g, '""')}"` : String(v))).join(',');
}

/**
 * Each swept parameter's effect: per parameter (and `method`, when several are swept) with at least
 * two values among the combinations, the mean score of the combinations with each value (values
 * in numeric order), i.e. the score averaged over the other parameters.
 */
export function parameterEffects(ranked: readonly RankedCombination[]): EffectPanel[] {
  const keys = new Map<string, Map<string, { sort: number; scores: number[] }>>();
  const add = (name: string, value: string, sort: number, score: number) => {
    const byValue = keys.get(name) ?? new Map();
    keys.set(name, byValue);
    const v = byValue.get(value) ?? { sort, scores: [] };
    byValue.set(value, v);
    v.scores.push(score);
  };
  ranked.forEach((c) => {
    add('method', c.method, 0, c.score);
    for (const [k, v] of Object.entries(c.params)) add(k, String(v), v, c.score);
  });
  return [...keys]
    .filter(([, byValue]) => byValue.size >= 2)
    .map(([name, byValue]) => ({
      name,
      values: [...byValue].sort((a, b) => a[1].sort - b[1].sort).map(([value, v]) => ({ value, score: finiteMean(v.scores) })),
    }));
}

/** What sweep.json records of the run besides the ranking. */
export interface SweepMeta {
  model: string;
  preset: string;
  /** The model-sized image every combination segmented: [width, height]. */
  size: [number, number];
  metrics: MetricName[];
  lime: LimeOptions;
}

/** The files {@link writeSweep} writes, relative to the output folder. */
export const SWEEP_FILES = ['sweep.csv', 'sweep.json', 'sweep-quality-time.png', 'sweep-effects.png'] as const;

/** Writes sweep.csv, sweep.json and the two pictures into `out` (each atomically). */
export async function writeSweep(out: string, ranked: readonly RankedCombination[], meta: SweepMeta): Promise<void> {
  const header = [
    'rank',
    'method',
    'params',
    'score',
    'segments',
    'segment_ms',
    'explain_s',
    'evaluate_s',
    'time_s',
    'images',
    'failed',
    ...meta.metrics,
  ];
  const csv = ranked.map((c) =>
    csvLine([
      c.rank,
      c.method,
      paramText(c.params),
      c.score,
      c.segments,
      c.segmentMs,
      c.explainS,
      c.evaluateS,
      c.timeS,
      c.images,
      c.failed,
      ...meta.metrics.map((m) => c.quality[m] ?? NaN),
    ]),
  );
  writeAtomic(path.join(out, 'sweep.csv'), [header.join(','), ...csv].join('\n') + '\n');
  const better = Object.fromEntries(meta.metrics.map((m) => [m, { headline: HEADLINE[m], better: BETTER[m] }]));
  writeAtomic(
    path.join(out, 'sweep.json'),
    JSON.stringify({ ...meta, better, score: SCORE_TEXT, time: TIME_TEXT, combinations: ranked }, null, 1) + '\n',
  );
  // No combination explained any image (every row failed): nothing to draw, the failures say why.
  if (!ranked.some((c) => c.images > 0)) return;
  const shown = varying(ranked);
  const label = (c: RankedCombination) => `${c.method} ${paramText(shown(c.params))}`;
  const scatter = qualityTimeChart(ranked.map((c) => ({ label: label(c), time: c.timeS, score: c.score })));
  writeAtomic(path.join(out, 'sweep-quality-time.png'), await encodePng(scatter.image));
  writeAtomic(path.join(out, 'sweep-effects.png'), await encodePng(parameterEffectChart(parameterEffects(ranked)).image));
}
