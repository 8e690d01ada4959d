// SPDX-License-Identifier: MIT
/**
 * `limeshap segment`: runs every combination of segmentation parameters on every image and writes a
 * table (printed, CSV, JSON), one boundary overlay per image and combination, and one contact sheet
 * per image, so parameters can be compared by numbers and by eye.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { parseArgs } from 'node:util';
import { loadImage } from '../image';
import { segmentRgb, SEGMENT_METHODS, type SegmentMethod, type SegmentOptions } from '../segment';
import { contactSheet, encodePng, markBoundaries } from '../render';
import { numberList, parseSize, stem } from './args';
import { collectInputs } from './inputs';
import { printable } from './terminal';

export const SEGMENT_USAGE = `Usage: limeshap segment <images or directories…> [options]

Runs every combination of the listed parameter values on every image (folders are walked
recursively; globs such as 'photos/**/*.jpg' are expanded). Exit code: 0 done, 1 an image failed,
2 bad usage.
  --method LIST        quickshift (default), slic, grid (comma list)
  --kernel-size LIST   quickshift kernel size (default 4)
  --max-dist LIST      quickshift max link distance (default 200)
  --ratio LIST         quickshift colour/space ratio (default 0.2)
  --sigma LIST         pre-smoothing (default 0)
  --seed N             tie-break seed (default 42)
  --n-segments LIST    slic segment count (default 100)
  --compactness LIST   slic compactness (default 10)
  --rows LIST --cols LIST  grid cells (default 8)
  --size N|WxH         resize first (aspect ratio not kept)
  --out DIR            output folder (default ./limeshap-segment)
Writes DIR/segments.csv, DIR/segments.json, DIR/NAME.<params>.png overlays and DIR/NAME.sheet.png.`;

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

const SHORT: Record<string, string> = { kernelSize: 'ks', maxDist: 'md', ratio: 'r', sigma: 's', nSegments: 'n', compactness: 'c', rows: 'rows', cols: 'cols' };

/** Runs the command; returns the process exit code. */
export async function segmentCommand(argv: string[], log: (line: string) => void = console.log): Promise<number> {
  const { values, positionals } = parseArgs({
    args: argv,
    allowPositionals: true,
    options: {
      method: { type: 'string' },
      'kernel-size': { type: 'string' },
      'max-dist': { type: 'string' },
      ratio: { type: 'string' },
      sigma: { type: 'string' },
      seed: { type: 'string' },
      'n-segments': { type: 'string' },
      compactness: { type: 'string' },
      rows: { type: 'string' },
      cols: { type: 'string' },
      size: { type: 'string' },
      out: { type: 'string' },
      help: { type: 'boolean', short: 'h' },
    },
  });
  if (values.help || positionals.length === 0) {
    log(SEGMENT_USAGE);
    return values.help ? 0 : 2;
  }
  const methods = (values.method ?? 'quickshift').split(',') as SegmentMethod[];
  for (const m of methods) {
    if (!SEGMENT_METHODS.includes(m) || m === 'labels') throw new RangeError(`--method must be quickshift, slic or grid, got "${m}"`);
  }
  const seed = numberList('seed', values.seed, [42])[0];
  const resize = parseSize(values.size);
  const sigma = numberList('sigma', values.sigma, [0]);
  const grids: Record<string, Record<string, number>[]> = {
    quickshift: combinations({
      kernelSize: numberList('kernel-size', values['kernel-size'], [4]),
      maxDist: numberList('max-dist', values['max-dist'], [200]),
      ratio: numberList('ratio', values.ratio, [0.2]),
      sigma,
    }),
    slic: combinations({
      nSegments: numberList('n-segments', values['n-segments'], [100]),
      compactness: numberList('compactness', values.compactness, [10]),
      sigma,
    }),
    grid: combinations({ rows: numberList('rows', values.rows, [8]), cols: numberList('cols', values.cols, [8]) }),
  };
  const out = path.resolve(values.out ?? 'limeshap-segment');
  fs.mkdirSync(out, { recursive: true });

  const rows: SegmentRow[] = [];
  let failures = 0;
  log(['image', 'method', 'params', 'segments', 'min', 'median', 'max', 'ms'].join('\t'));
  // The same expansion as explain: folders recursively, globs, one entry per file.
  for (const file of collectInputs(positionals)) {
    let rgb;
    try {
      rgb = await loadImage(file, resize);
    } catch (err) {
      failures++;
      log(`${printable(file)}\tERROR\t${printable((err as Error).message)}`);
      continue;
    }
    const tiles = [];
    for (const method of methods) {
      for (const combo of grids[method]) {
        const options = { method, seed, ...combo } as SegmentOptions;
        if (method === 'grid') delete options.seed;
        const seg = await segmentRgb(rgb, { ...options, seed });
        const s = sizes(seg.labels, seg.count);
        const tag = Object.entries(combo).map(([k, v]) => `${SHORT[k] ?? k}${v}`).join('-');
        const overlayName = `${stem(file)}.${method}-${tag}.png`;
        const overlay = markBoundaries(rgb, seg.labels);
        fs.writeFileSync(path.join(out, overlayName), await encodePng(overlay));
        const row: SegmentRow = { image: file, method, params: seg.params, count: seg.count, minSize: s.min, medianSize: s.median, maxSize: s.max, ms: seg.ms, overlay: overlayName };
        rows.push(row);
        const paramText = Object.entries(combo).map(([k, v]) => `${k}=${v}`).join(' ');
        log([printable(path.basename(file)), method, paramText, seg.count, s.min, s.median, s.max, seg.ms.toFixed(1)].join('\t'));
        tiles.push({ image: overlay, caption: [`${method} ${paramText}`, `${seg.count} segments, ${seg.ms.toFixed(1)} ms`] });
      }
    }
    const sheet = contactSheet(tiles, { title: path.basename(file), tileWidth: Math.min(rgb.width, 320) });
    fs.writeFileSync(path.join(out, `${stem(file)}.sheet.png`), await encodePng(sheet));
  }
  const header = 'image,method,params,segments,min_size,median_size,max_size,ms,overlay';
  const csv = rows.map((r) =>
    [r.image, r.method, Object.entries(r.params).map(([k, v]) => `${k}=${v}`).join(' '), r.count, r.minSize, r.medianSize, r.maxSize, r.ms.toFixed(3), r.overlay]
      .map((v) => (/[",\n]/.test(String(v)) ? `"${String(v).replace(/"/g, '""')}"` : String(v)))
      .join(','),
  );
  fs.writeFileSync(path.join(out, 'segments.csv'), [header, ...csv].join('\n') + '\n');
  fs.writeFileSync(path.join(out, 'segments.json'), JSON.stringify(rows, null, 1) + '\n');
  log(`wrote ${rows.length} rows, overlays and contact sheets to ${out}${failures ? ` (${failures} images failed)` : ''}`);
  return failures ? 1 : 0;
}
