// SPDX-License-Identifier: MIT
/**
 * One HTML page that loads nothing from outside, summarising a `limeshap explain` output folder: a summary table,
 * then per image its top classes, pictures, segmentation and timings, then the failures. Every
 * picture is embedded as a data URI (a preview) and the style is inline, so the page can be mailed,
 * archived or attached to a CI run and still shows every picture; the full-size files it links to
 * need the folder beside it.
 *
 * The page stays light: pictures are embedded as previews (WebP, at most
 * {@link REPORT_PICTURE_MAX_SIDE} pixels a side), each linking to its full-size PNG in the folder,
 * and the numbers behind them (JSON, .npy arrays) are linked, not inlined: on demand, with the folder.
 */
import { createHash } from 'node:crypto';
import * as fs from 'node:fs';
import * as path from 'node:path';
import sharp from 'sharp';
import { writeAtomic } from './atomic-write';
import { readRegularFile } from './read-file';
import { checkOptions, typeError } from './validate';

/**
 * The largest file embedded or parsed (64 MiB; explain's outputs are kilobytes to a few megabytes).
 * Only regular files directly in the folder are read, never through a symbolic link: a link named
 * like an output could otherwise put any file the reader can see (or /dev/zero) into the page.
 */
export const REPORT_MAX_FILE_BYTES = 64 * 1024 * 1024;

/**
 * The longest side of an embedded picture preview (1024 px: a page column's width on a laptop; SHAP's
 * plot of five classes is 1414 px wide). Smaller pictures keep their size.
 */
export const REPORT_PICTURE_MAX_SIDE = 1024;

/**
 * WebP quality of the previews: lossy at 85 is 5–15 times smaller than the PNG for these photo-like
 * pictures with no visible change at page size; the lossless PNG stays in the folder, linked.
 */
const PREVIEW_QUALITY = 85;

/**
 * A picture's preview as a data URI: downscaled to {@link REPORT_PICTURE_MAX_SIDE} and WebP-encoded.
 * A picture that does not decode (cut short) is embedded as it is, so the browser shows what it can.
 */
async function previewUri(png: Buffer): Promise<string> {
  try {
    const webp = await sharp(png, { failOn: 'error' })
      .resize({ width: REPORT_PICTURE_MAX_SIDE, height: REPORT_PICTURE_MAX_SIDE, fit: 'inside', withoutEnlargement: true })
      .webp({ quality: PREVIEW_QUALITY, smartSubsample: true })
      .toBuffer();
    return `data:image/webp;base64,${webp.toString('base64')}`;
  } catch {
    return `data:image/png;base64,${png.toString('base64')}`;
  }
}

/** A relative link to a file of the folder: its name percent-encoded (no scheme or path can sneak in), then HTML-escaped. */
function fileHref(name: string): string {
  return esc(encodeURIComponent(name));
}

/** Reads a file of the output folder under the rules of {@link REPORT_MAX_FILE_BYTES}. */
function readOwnFile(file: string): Promise<Buffer> {
  return readRegularFile(file, {
    maxBytes: REPORT_MAX_FILE_BYTES,
    capName: 'the report file limit',
    what: 'report input',
    followSymlinks: false,
  });
}

/** Options of {@link writeReport}. */
export interface ReportOptions {
  /** Page title and heading (default `'limeshap report'`). */
  title?: string;
}

/** A JSON object read from disk: nothing in it is trusted, every field is checked where used. */
type Json = Record<string, unknown>;

/** What the folder holds for one image (the NAME of NAME.lime.json / NAME.shap.json). */
interface Entry {
  name: string;
  lime?: Json;
  shap?: Json;
  /** Embedded pictures, in display order, only those that exist: preview URI and the full-size file's name. */
  pictures: { caption: string; uri: string; file: string }[];
  /** The data files beside the pictures (JSON, .npy), linked from the page, only regular files that exist. */
  data: string[];
}

interface Failure {
  image: string;
  error: string;
}

/** The per-image pictures the report looks for, with their captions; a missing one is left out. */
const PICTURES: readonly { suffix: string; caption: string }[] = [
  { suffix: '.lime.png', caption: 'LIME: top positive segments' },
  { suffix: '.lime-heatmap.png', caption: 'LIME: segment weights' },
  { suffix: '.shap.png', caption: 'SHAP' },
  { suffix: '.lime-curves.png', caption: 'LIME: deletion/insertion curves' },
  { suffix: '.shap-curves.png', caption: 'SHAP: deletion/insertion curves' },
  { suffix: '.ig.png', caption: 'Integrated Gradients' },
  { suffix: '.smoothgrad.png', caption: 'SmoothGrad' },
  { suffix: '.gradcam.png', caption: 'Grad-CAM' },
  // Not written by `explain` itself; embedded when a caller adds a segmentation overlay.
  { suffix: '.segments.png', caption: 'Segmentation' },
];

/**
 * The script in the page. After load it counts the pictures that decoded and writes the counts on
 * <body> (data-images-total, data-images-loaded), so a headless browser can check that nothing
 * is broken by reading the DOM alone.
 */
const SCRIPT =
  "window.addEventListener('load',function(){var a=document.images,n=0;" +
  'for(var i=0;i<a.length;i++)if(a[i].complete&&a[i].naturalWidth>0)n++;' +
  'document.body.dataset.imagesTotal=String(a.length);document.body.dataset.imagesLoaded=String(n);});';

const STYLE = `
body{font:14px/1.4 system-ui,sans-serif;margin:1.5em;color:#222;background:#fff}
h1{font-size:1.5em}h2{font-size:1.25em;margin-top:2em;border-top:1px solid #ccc;padding-top:1em}h3{font-size:1.05em}
table{border-collapse:collapse;margin:.5em 0}th,td{border:1px solid #ccc;padding:.25em .6em;text-align:left;vertical-align:top}
th{background:#f3f3f3}td.n{text-align:right;font-variant-numeric:tabular-nums}
figure{display:inline-block;margin:.5em 1em .5em 0;vertical-align:top}figcaption{font-size:.9em;color:#555}
img{max-width:100%;image-rendering:pixelated;border:1px solid #ddd}
.fail{color:#a00}.muted{color:#777}code{font-size:.95em}
`;

/** HTML-escapes text for both element content and quoted attribute values: names come from users. */
function esc(value: unknown): string {
  return String(value).replace(/[&<>"']/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[c] as string);
}

function isObject(v: unknown): v is Json {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

/** A number from the JSON, formatted, or a dash when it is absent or not a finite number. */
function num(v: unknown, digits = 0): string {
  return typeof v === 'number' && Number.isFinite(v) ? v.toFixed(digits) : '—';
}

/** Significant digits rather than fixed ones, for values such as SHAP base values that may be tiny. */
function sig(v: unknown): string {
  return typeof v === 'number' && Number.isFinite(v) ? String(Number(v.toPrecision(4))) : '—';
}

function percent(v: unknown): string {
  return typeof v === 'number' && Number.isFinite(v) ? `${(v * 100).toFixed(1)}%` : '—';
}

/** The explanations array of a result, keeping only objects (a hand-edited file must not crash the page). */
function explanations(result: Json | undefined): Json[] {
  const e = result?.explanations;
  return Array.isArray(e) ? e.filter(isObject) : [];
}

/** `key=value, …` of a parameters object, escaped. */
function params(p: unknown): string {
  if (!isObject(p)) return '—';
  const parts = Object.entries(p).map(([k, v]) => `${k}=${typeof v === 'object' ? JSON.stringify(v) : String(v)}`);
  return parts.length ? esc(parts.join(', ')) : '—';
}

/** The most probable explained class of an image, from LIME if present, else SHAP. */
function topClass(entry: Entry): Json | undefined {
  const all = explanations(entry.lime).length ? explanations(entry.lime) : explanations(entry.shap);
  let best: Json | undefined;
  for (const e of all) if (!best || Number(e.probability) > Number(best.probability)) best = e;
  return best;
}

const PNG_SIGNATURE = Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]);
/** The empty IEND chunk every PNG ends with: length 0, type, CRC. */
const PNG_END = Buffer.from([0, 0, 0, 0, 0x49, 0x45, 0x4e, 0x44, 0xae, 0x42, 0x60, 0x82]);

/** True when the bytes start with the PNG signature and end with the IEND chunk. */
function completePng(bytes: Buffer): boolean {
  return (
    bytes.length >= PNG_SIGNATURE.length + PNG_END.length &&
    bytes.subarray(0, 8).equals(PNG_SIGNATURE) &&
    bytes.subarray(bytes.length - 12).equals(PNG_END)
  );
}

/** Reads and parses a JSON file; a broken one becomes a listed failure rather than a crashed report. */
async function readJson(file: string, failures: Failure[]): Promise<Json | undefined> {
  try {
    const v: unknown = JSON.parse((await readOwnFile(file)).toString('utf8'));
    if (isObject(v)) return v;
    failures.push({ image: path.basename(file), error: 'not a JSON object' });
  } catch (err) {
    failures.push({ image: path.basename(file), error: `unreadable: ${(err as Error).message}` });
  }
  return undefined;
}

/** failures.jsonl: one { image, error } per line; a line that is not JSON is shown as it is. */
async function readFailures(file: string): Promise<Failure[]> {
  let text: string;
  try {
    await fs.promises.lstat(file);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return [];
    throw err;
  }
  const out: Failure[] = [];
  try {
    text = (await readOwnFile(file)).toString('utf8');
  } catch (err) {
    return [{ image: path.basename(file), error: `unreadable: ${(err as Error).message}` }];
  }
  for (const line of text.split('\n')) {
    if (!line.trim()) continue;
    try {
      const v: unknown = JSON.parse(line);
      if (isObject(v)) out.push({ image: String(v.image ?? '?'), error: String(v.error ?? '?') });
      else out.push({ image: '?', error: line });
    } catch {
      out.push({ image: '?', error: line });
    }
  }
  return out;
}

function timingsTable(entry: Entry): string {
  // One row per stage, one column per method, because LIME and SHAP share most stage names; where
  // the outputs hold `wait` (the time a stage waited for other images), a wait column beside it.
  const cols: [string, Json][] = [];
  for (const [method, result] of [
    ['LIME', entry.lime],
    ['SHAP', entry.shap],
  ] as const) {
    if (!isObject(result?.timings)) continue;
    const t = result.timings as Json;
    cols.push([isObject(t.wait) ? `${method} own` : method, t]);
    if (isObject(t.wait)) cols.push([`${method} wait`, t.wait as Json]);
  }
  if (!cols.length) return '';
  const stages: string[] = [];
  for (const [, t] of cols) for (const k of Object.keys(t)) if (k !== 'total' && k !== 'wait' && !stages.includes(k)) stages.push(k);
  stages.push('total');
  const head = `<tr><th>stage (ms)</th>${cols.map(([m]) => `<th>${m}</th>`).join('')}</tr>`;
  const rows = stages.map(
    (s) => `<tr><td>${esc(s)}</td>${cols.map(([, t]) => `<td class="n">${s in t ? num(t[s], 1) : '—'}</td>`).join('')}</tr>`,
  );
  const note = cols.some(([m]) => m.endsWith(' wait'))
    ? "<p class=\"muted\">own: the stage's own time; wait: time it waited for other images in flight (their samples in the model's batches, their model runs); own + wait = the stage's wall time.</p>"
    : '';
  return `<h3>Timings</h3><table>${head}${rows.join('')}</table>${note}`;
}

function classesTable(entry: Entry): string {
  const lime = explanations(entry.lime);
  const shap = explanations(entry.shap);
  // Classes by index, so LIME and SHAP rows of the same class line up; order of first appearance.
  const rows = new Map<string, { label: unknown; probability: unknown; lime?: Json; shap?: Json }>();
  for (const e of lime) rows.set(String(e.index), { label: e.label, probability: e.probability, lime: e });
  for (const e of shap) {
    const r = rows.get(String(e.index));
    if (r) r.shap = e;
    else rows.set(String(e.index), { label: e.label, probability: e.probability, shap: e });
  }
  if (!rows.size) return '';
  const body = [...rows.entries()]
    .map(
      ([index, r]) =>
        `<tr><td>${esc(r.label ?? index)}</td><td class="n">${esc(index)}</td><td class="n">${percent(r.probability)}</td>` +
        `<td class="n">${r.lime ? num(r.lime.score, 3) : '—'}</td><td class="n">${r.shap ? sig(r.shap.baseValue) : '—'}</td><td class="n">${r.shap ? sig(r.shap.sum) : '—'}</td></tr>`,
    )
    .join('');
  return (
    '<h3>Top classes</h3><table><tr><th>label</th><th>index</th><th>probability</th><th>LIME fit R²</th><th>SHAP base value</th><th>SHAP sum</th></tr>' +
    body +
    '</table>'
  );
}

function segmentationInfo(entry: Entry): string {
  const rows: string[] = [];
  for (const [method, result] of [
    ['LIME', entry.lime],
    ['SHAP', entry.shap],
  ] as const) {
    const s = result?.segmentation;
    if (!isObject(s)) continue;
    rows.push(
      `<tr><td>${method}</td><td class="n">${num(s.count)}</td><td>${esc(s.method ?? '—')}</td><td>${params(s.params)}</td><td class="n">${num(s.width)}×${num(s.height)}</td></tr>`,
    );
  }
  if (!rows.length) return '';
  return `<h3>Segmentation</h3><table><tr><th></th><th>segments</th><th>method</th><th>params</th><th>size</th></tr>${rows.join('')}</table>`;
}

/** " (auto: stability 0.93 ≥ target 0.9 after 8 rounds)" for a LIME result of numSamples 'auto', else "". */
function adaptiveNote(stability: unknown): string {
  if (typeof stability !== 'object' || stability === null) return '';
  const { reached, target, rounds, k } = stability as Json;
  const met = typeof reached === 'number' && typeof target === 'number' && reached >= target;
  return ` (auto: top-${num(k)} stability ${num(reached, 2)} ${met ? '≥' : '<'} target ${num(target, 2)} after ${num(rounds)} rounds)`;
}

function runInfo(entry: Entry): string {
  const items: string[] = [];
  const src = entry.lime?.image ?? entry.shap?.image;
  if (src !== undefined) items.push(`image <code>${esc(src)}</code>`);
  const model = entry.lime?.model ?? entry.shap?.model;
  if (model !== undefined) items.push(`model <code>${esc(model)}</code>`);
  if (entry.lime)
    items.push(
      `LIME: ${num(entry.lime.numSamples)} samples${adaptiveNote(entry.lime.stability)}, seed ${esc(entry.lime.seed ?? '—')}, ${num(entry.lime.evaluations)} evaluations on ${esc(entry.lime.provider ?? '—')}`,
    );
  if (entry.shap)
    items.push(
      `SHAP ${esc(entry.shap.algorithm ?? '—')} over ${esc(entry.shap.features ?? '—')}: max ${num(entry.shap.maxEvals)} evaluations, ${num(entry.shap.evaluations)} done, seed ${esc(entry.shap.seed ?? '—')} on ${esc(entry.shap.provider ?? '—')}` +
        (isObject(entry.shap.precision)
          ? ` (max-evals auto: largest standard error ${num(entry.shap.precision.reached, 3)} × largest |value|, target ${num(entry.shap.precision.target, 3)}, ${num(entry.shap.precision.rounds)} rounds, limit ${num(entry.shap.precision.limit)})`
          : ''),
    );
  return items.length ? `<ul>${items.map((i) => `<li>${i}</li>`).join('')}</ul>` : '';
}

/** The `evaluation` classes of a result (`limeshap explain --evaluate`), keeping only objects. */
function evaluatedClasses(result: Json | undefined): Json[] {
  const ev = result?.evaluation;
  const c = isObject(ev) ? ev.classes : undefined;
  return Array.isArray(c) ? c.filter(isObject) : [];
}

/** A field of a metric object, e.g. (deletion, 'auc') or (stability, 'spearman'); undefined when absent. */
function field(metric: unknown, key: string): unknown {
  return isObject(metric) ? metric[key] : undefined;
}

/** The numbers the report shows of one evaluated class, each undefined when absent. */
const QUALITY_COLUMNS: readonly { head: string; value: (c: Json) => unknown }[] = [
  { head: 'deletion AUC ↓', value: (c) => field(c.deletion, 'auc') },
  { head: 'random', value: (c) => field(field(c.deletion, 'random'), 'auc') },
  { head: 'insertion AUC ↑', value: (c) => field(c.insertion, 'auc') },
  { head: 'random', value: (c) => field(field(c.insertion, 'random'), 'auc') },
  { head: 'MuFidelity', value: (c) => field(c.mufidelity, 'correlation') },
  { head: 'stability Spearman', value: (c) => field(c.stability, 'spearman') },
  { head: 'stability top-k Jaccard', value: (c) => field(c.stability, 'jaccard') },
  { head: 'LIME R²', value: (c) => c.r2 },
  { head: 'SHAP efficiency gap', value: (c) => c.efficiencyGap },
];

/** The columns that have a value somewhere in `classes` (a run measures only some metrics). */
function qualityColumns(classes: Json[]): typeof QUALITY_COLUMNS {
  return QUALITY_COLUMNS.filter((col) => classes.some((c) => typeof col.value(c) === 'number'));
}

/** Per image: each evaluated class's metrics (written by `explain --evaluate`). */
function qualityTable(entry: Entry): string {
  const rows: { method: string; c: Json }[] = [];
  for (const [method, result] of [
    ['LIME', entry.lime],
    ['SHAP', entry.shap],
  ] as const)
    for (const c of evaluatedClasses(result)) rows.push({ method, c });
  if (!rows.length) return '';
  const cols = qualityColumns(rows.map((r) => r.c));
  const head = `<tr><th></th><th>class</th>${cols.map((col) => `<th>${esc(col.head)}</th>`).join('')}</tr>`;
  const body = rows
    .map(
      ({ method, c }) =>
        `<tr><td>${method}</td><td>${esc(c.label ?? c.index)}</td>${cols.map((col) => `<td class="n">${num(col.value(c), 3)}</td>`).join('')}</tr>`,
    )
    .join('');
  return `<h3>Quality</h3><table>${head}${body}</table>`;
}

/** Over the batch: each metric's mean over every evaluated class of every image, per method. */
function qualitySummary(entries: Entry[]): string {
  const rows: string[] = [];
  const all: Json[] = [];
  const perMethod: [string, Json[]][] = [];
  for (const [method, key] of [
    ['LIME', 'lime'],
    ['SHAP', 'shap'],
  ] as const) {
    const classes = entries.flatMap((e) => evaluatedClasses(e[key]));
    if (classes.length) perMethod.push([method, classes]);
    all.push(...classes);
  }
  if (!all.length) return '';
  const cols = qualityColumns(all);
  for (const [method, classes] of perMethod) {
    const means = cols.map((col) => {
      const v = classes.map(col.value).filter((x): x is number => typeof x === 'number' && Number.isFinite(x));
      return v.length ? v.reduce((a, b) => a + b, 0) / v.length : undefined;
    });
    // How often the explanation beats chance: deletion below its random baseline, insertion above.
    const beats = (metric: 'deletion' | 'insertion') => {
      const pairs = classes.filter(
        (c) => typeof field(c[metric], 'auc') === 'number' && typeof field(field(c[metric], 'random'), 'auc') === 'number',
      );
      if (!pairs.length) return '—';
      const won = pairs.filter((c) => {
        const auc = field(c[metric], 'auc') as number,
          random = field(field(c[metric], 'random'), 'auc') as number;
        return metric === 'deletion' ? auc < random : auc > random;
      }).length;
      return `${won}/${pairs.length}`;
    };
    rows.push(
      `<tr><td>${method}</td><td class="n">${classes.length}</td>${means.map((m) => `<td class="n">${num(m, 3)}</td>`).join('')}` +
        `<td class="n">${beats('deletion')}</td><td class="n">${beats('insertion')}</td></tr>`,
    );
  }
  return (
    '<h2 id="quality">Quality over the batch</h2><p class="muted">Means over every evaluated class of every image; ' +
    'deletion AUC is better when lower, insertion AUC when higher, each read against its random-order baseline.</p>' +
    `<table><tr><th></th><th>classes</th>${cols.map((col) => `<th>mean ${esc(col.head)}</th>`).join('')}` +
    '<th>deletion beats random</th><th>insertion beats random</th></tr>' +
    rows.join('') +
    '</table>'
  );
}

function section(entry: Entry, i: number): string {
  const figures = entry.pictures
    .map(
      (p) =>
        `<figure><a href="${fileHref(p.file)}"><img src="${p.uri}" alt="${esc(`${entry.name}: ${p.caption}`)}"></a><figcaption>${esc(p.caption)}</figcaption></figure>`,
    )
    .join('');
  const data = entry.data.length
    ? `<p class="muted">Values (with the folder): ${entry.data.map((f) => `<a href="${fileHref(f)}"><code>${esc(f)}</code></a>`).join(', ')}</p>`
    : '';
  return (
    `<section id="img-${i}"><h2>${esc(entry.name)}</h2>` +
    runInfo(entry) +
    classesTable(entry) +
    (figures ? `<div>${figures}</div>` : '<p class="muted">no pictures</p>') +
    data +
    qualityTable(entry) +
    segmentationInfo(entry) +
    timingsTable(entry) +
    '</section>'
  );
}

function summaryTable(entries: Entry[]): string {
  if (!entries.length) return '<p class="muted">No explanations (*.lime.json, *.shap.json) in this folder.</p>';
  const rows = entries.map((e, i) => {
    const top = topClass(e);
    const lime = e.lime
      ? `<td class="n">${num(e.lime.evaluations)}</td><td class="n">${num((e.lime.timings as Json | undefined)?.total)}</td>`
      : '<td>—</td><td>—</td>';
    const shap = e.shap
      ? `<td class="n">${num(e.shap.evaluations)}</td><td class="n">${num((e.shap.timings as Json | undefined)?.total)}</td>`
      : '<td>—</td><td>—</td>';
    return `<tr><td><a href="#img-${i}">${esc(e.name)}</a></td><td>${top ? esc(top.label ?? top.index) : '—'}</td><td class="n">${top ? percent(top.probability) : '—'}</td>${lime}${shap}</tr>`;
  });
  return (
    '<table><tr><th rowspan="2">image</th><th rowspan="2">top class</th><th rowspan="2">probability</th><th colspan="2">LIME</th><th colspan="2">SHAP</th></tr>' +
    '<tr><th>evaluations</th><th>total ms</th><th>evaluations</th><th>total ms</th></tr>' +
    rows.join('') +
    '</table>'
  );
}

/**
 * One line on the budgets LIME chose itself (`--samples auto`): samples used (mean, least, most) and
 * how many images reached the stability target; "" when no image was explained with 'auto'.
 */
function adaptiveSummary(entries: Entry[]): string {
  const auto = entries.map((e) => e.lime).filter((l): l is Json => isObject(l?.stability) && typeof l.numSamples === 'number');
  if (!auto.length) return '';
  const used = auto.map((l) => l.numSamples as number);
  const reached = auto.filter((l) => {
    const s = l.stability as Json;
    return typeof s.reached === 'number' && typeof s.target === 'number' && s.reached >= s.target;
  }).length;
  return (
    `<p>LIME chose its budget (<code>--samples auto</code>) for ${auto.length} image(s): ` +
    `${num(used.reduce((a, b) => a + b, 0) / used.length)} samples on average (${num(Math.min(...used))}–${num(Math.max(...used))}); ` +
    `${reached} of ${auto.length} reached the stability target, the others stopped at their maximum.</p>`
  );
}

function failuresList(failures: Failure[]): string {
  if (!failures.length) return '';
  return `<h2 id="failures" class="fail">Failures (${failures.length})</h2><table><tr><th>image</th><th>error</th></tr>${failures
    .map((f) => `<tr><td>${esc(f.image)}</td><td class="fail">${esc(f.error)}</td></tr>`)
    .join('')}</table>`;
}

/**
 * The data files of an entry that the page links to: its JSON files and the .npy arrays they name
 * (plain names only, regular files of the folder, not links).
 */
async function dataFiles(outDir: string, entry: Entry, present: Set<string>): Promise<string[]> {
  const names: string[] = [];
  for (const [json, suffix] of [
    [entry.lime, '.lime.json'],
    [entry.shap, '.shap.json'],
  ] as const) {
    if (!json) continue;
    names.push(`${entry.name}${suffix}`);
    if (isObject(json.arrays))
      for (const ref of Object.values(json.arrays)) if (isObject(ref) && typeof ref.file === 'string') names.push(ref.file);
  }
  const out: string[] = [];
  for (const name of names) {
    if (!present.has(name) || out.includes(name) || name !== path.basename(name)) continue;
    try {
      if ((await fs.promises.lstat(path.join(outDir, name))).isFile()) out.push(name);
    } catch {
      // Gone since the listing: not linked.
    }
  }
  return out;
}

/**
 * Writes `outDir/report.html`: one page that loads nothing from outside (pictures as base64 data URIs, inline CSS,
 * no external resources) over what `limeshap explain` wrote into `outDir`. Pictures are previews:
 * WebP, downscaled to at most {@link REPORT_PICTURE_MAX_SIDE} pixels a side, each a link to its
 * full-size PNG in the folder; each image's JSON and `.npy` files are linked, never inlined.
 *
 * The page holds a summary table (image, top class and probability, LIME and SHAP evaluations and
 * total milliseconds, links to the sections), then per image the top classes, the LIME picture and
 * heatmap, the SHAP picture (and `NAME.segments.png` when present), segmentation count, method and
 * parameters, and timings per stage, and for outputs of `explain --evaluate` the deletion/insertion
 * curves (NAME.lime-curves.png, NAME.shap-curves.png) and a table of each class's metrics, with the
 * metrics' means over the batch after the summary, then the failures read from `outDir/failures.jsonl` (one
 * `{ image, error }` JSON object per line) and any result file that could not be read. All text is
 * HTML-escaped; a Content-Security-Policy lets the page load nothing but its own data URIs, inline
 * style and its one inline script, which sets `data-images-total` and `data-images-loaded` on
 * `<body>` after load. Only regular files directly in `outDir` are read, no symbolic links, each
 * at most {@link REPORT_MAX_FILE_BYTES}; anything else is listed as a failure, not embedded.
 *
 * @param outDir - the folder given to `limeshap explain --out`.
 * @param options - see {@link ReportOptions}.
 * @returns the path of the written report.html.
 */
export async function writeReport(outDir: string, options?: ReportOptions): Promise<string> {
  if (typeof outDir !== 'string' || outDir === '') throw typeError('outDir', 'a folder path', outDir);
  const o = checkOptions('options', options, ['title']) as ReportOptions;
  if (o.title !== undefined && typeof o.title !== 'string') throw typeError('options.title', 'a string', o.title);
  const title = o.title ?? 'limeshap report';

  const files = (await fs.promises.readdir(outDir)).sort();
  const failures = await readFailures(path.join(outDir, 'failures.jsonl'));
  const unreadable: Failure[] = [];
  const byName = new Map<string, Entry>();
  for (const f of files) {
    const m = /^(.*)\.(lime|shap|ig|smoothgrad|gradcam)\.json$/.exec(f);
    if (!m) continue;
    const entry = byName.get(m[1]) ?? { name: m[1], pictures: [], data: [] };
    byName.set(m[1], entry);
    // A gradient method's output makes the image an entry, for its picture; its JSON is not read.
    if (m[2] !== 'lime' && m[2] !== 'shap') continue;
    const json = await readJson(path.join(outDir, f), unreadable);
    if (m[2] === 'lime') entry.lime = json;
    else entry.shap = json;
  }
  const entries = [...byName.values()];
  const present = new Set(files);
  for (const e of entries)
    for (const p of PICTURES) {
      const file = `${e.name}${p.suffix}`;
      if (!present.has(file)) continue;
      let bytes: Buffer;
      try {
        bytes = await readOwnFile(path.join(outDir, file));
      } catch (err) {
        unreadable.push({ image: file, error: `not embedded: ${(err as Error).message}` });
        continue;
      }
      // Browsers draw a cut-off PNG without complaint, so a half-written picture is flagged here.
      if (!completePng(bytes)) unreadable.push({ image: file, error: 'not a complete PNG (truncated or another format)' });
      // base64 never contains characters that need escaping in an attribute, so the URI goes in as it is.
      e.pictures.push({ caption: p.caption, uri: await previewUri(bytes), file });
    }
  for (const e of entries) e.data = await dataFiles(outDir, e, present);

  // The policy pins the one inline script by hash, so should escaping ever miss, injected markup still cannot run or fetch.
  const scriptHash = createHash('sha256').update(SCRIPT).digest('base64');
  const csp = `default-src 'none'; img-src data:; style-src 'unsafe-inline'; script-src 'sha256-${scriptHash}'`;
  const html =
    '<!DOCTYPE html>\n<html lang="en"><head><meta charset="utf-8">' +
    `<meta http-equiv="Content-Security-Policy" content="${esc(csp)}">` +
    `<meta name="viewport" content="width=device-width,initial-scale=1"><title>${esc(title)}</title><style>${STYLE}</style></head>\n<body>` +
    `<h1>${esc(title)}</h1>` +
    `<p class="muted">${entries.length} image(s), ${failures.length + unreadable.length} failure(s)${failures.length + unreadable.length ? ' — <a href="#failures">see below</a>' : ''}</p>` +
    summaryTable(entries) +
    adaptiveSummary(entries) +
    qualitySummary(entries) +
    entries.map(section).join('\n') +
    failuresList([...failures, ...unreadable]) +
    `\n<script>${SCRIPT}</script></body></html>\n`;

  const out = path.join(outDir, 'report.html');
  // Temporary file then rename, so a reader never sees half a report.
  writeAtomic(out, html);
  return out;
}
