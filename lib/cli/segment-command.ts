// SPDX-License-Identifier: MIT
/**
 * `limeshap segment`: runs every combination of segmentation parameters on every image and writes a
 * table (printed, CSV, JSON), one boundary overlay per image and combination, and one contact sheet
 * per image, so parameters can be compared by numbers and by eye.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { writeAtomic } from '../atomic-write';
import { loadImage } from '../image';
import { DEFAULT_SEED } from '../rng';
import {
  SEGMENT_REGISTRY,
  segmentRgb,
  type SegmentMethod,
  type SegmentMethodSpec,
  type SegmentOptions,
  type SegmentParam,
} from '../segment';
import { contactSheet, encodePng, markBoundaries } from '../render';
import { numberList, parseSize, stem } from './args';
import { flagUsage, numberFlag, parseFlags, text, type Flag } from './flags';
import { collectInputs } from './inputs';
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

/** The flags of `limeshap segment`: a list flag per swept parameter of the registered methods. */
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
  { name: 'seed', type: 'string', arg: 'N', help: `tie-break seed (default ${DEFAULT_SEED})` },
  { name: 'size', type: 'string', arg: 'N|WxH', help: 'resize first (aspect ratio not kept)' },
  { name: 'out', type: 'string', arg: 'DIR', help: 'output folder (default ./limeshap-segment)' },
  { name: 'help', type: 'boolean', short: 'h', help: 'this text' },
];

export const SEGMENT_USAGE = `Usage: limeshap segment <images or directories…> [options]

Runs every combination of the listed parameter values on every image (folders are walked
recursively; globs such as 'photos/**/*.jpg' are expanded). Exit code: 0 done, 1 an image failed,
2 bad usage.
${flagUsage(SEGMENT_FLAGS)}
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

/** Runs the command; returns the process exit code. */
export async function segmentCommand(argv: string[], log: (line: string) => void = console.log): Promise<number> {
  const { values, positionals } = parseFlags(SEGMENT_FLAGS, argv);
  if (values.help || positionals.length === 0) {
    log(SEGMENT_USAGE);
    return values.help ? 0 : 2;
  }
  const methods = (text(values, 'method') ?? SWEPT[0].name).split(',') as SegmentMethod[];
  for (const m of methods) {
    if (!SWEPT.some((s) => s.name === m)) throw new RangeError(`--method must be ${SWEPT.map((s) => s.name).join(', ')}, got "${m}"`);
  }
  const seed = numberFlag(values, 'seed', { integer: true, min: 0 });
  const resize = parseSize(text(values, 'size'));
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
  const tags = new Map([...SWEPT_PARAMS].map(([name, { param }]) => [name, param.sweep?.tag ?? name]));
  const out = path.resolve(text(values, 'out') ?? 'limeshap-segment');
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
        const seg = await segmentRgb(rgb, { method, seed, ...combo } as SegmentOptions);
        const s = sizes(seg.labels, seg.count);
        const tag = Object.entries(combo)
          .map(([k, v]) => `${tags.get(k) ?? k}${v}`)
          .join('-');
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
        };
        rows.push(row);
        const paramText = Object.entries(combo)
          .map(([k, v]) => `${k}=${v}`)
          .join(' ');
        log([printable(path.basename(file)), method, paramText, seg.count, s.min, s.median, s.max, seg.ms.toFixed(1)].join('\t'));
        tiles.push({ image: overlay, caption: [`${method} ${paramText}`, `${seg.count} segments, ${seg.ms.toFixed(1)} ms`] });
      }
    }
    const sheet = contactSheet(tiles, { title: path.basename(file), tileWidth: Math.min(rgb.width, 320) });
    writeAtomic(path.join(out, `${stem(file)}.sheet.png`), await encodePng(sheet));
  }
  const header = 'image,method,params,segments,min_size,median_size,max_size,ms,overlay';
  const csv = rows.map((r) =>
    [
      r.image,
      r.method,
      Object.entries(r.params)
        .map(([k, v]) => `${k}=${v}`)
        .join(' '),
      r.count,
      r.minSize,
      r.medianSize,
      r.maxSize,
      r.ms.toFixed(3),
      r.overlay,
    ]
      .map((v) => (/[",\n]/.test(String(v)) ? `"${String(v).replace(/"/g, '""')}"` : String(v)))
      .join(','),
  );
  writeAtomic(path.join(out, 'segments.csv'), [header, ...csv].join('\n') + '\n');
  writeAtomic(path.join(out, 'segments.json'), JSON.stringify(rows, null, 1) + '\n');
  log(`wrote ${rows.length} rows, overlays and contact sheets to ${out}${failures ? ` (${failures} images failed)` : ''}`);
  return failures ? 1 : 0;
}
