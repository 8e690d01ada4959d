// SPDX-License-Identifier: MIT
/**
 * Input selection for batch runs: files, directories, glob patterns and manifests, expanded into a
 * sorted, de-duplicated list; shards of it for job arrays; output names that never collide.
 */
import { createHash } from 'node:crypto';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { IMAGE_EXTENSIONS, stem } from './args';

const isImage = (name: string) => IMAGE_EXTENSIONS.includes(path.extname(name).toLowerCase());

/** Converts one glob path segment (`*`, `?`, `[abc]`) to a RegExp. */
function segmentRegExp(segment: string): RegExp {
  let re = '';
  for (const ch of segment) {
    if (ch === '*') re += '[^/]*';
    else if (ch === '?') re += '[^/]';
    else if ('[]'.includes(ch)) re += ch;
    else re += ch.replace(/[.+^${}()|\\]/g, '\\$&');
  }
  return new RegExp(`^${re}$`);
}

/** Files matching a glob pattern (`*`, `?`, `[…]` within a segment, `**` for any depth). */
export function glob(pattern: string): string[] {
  const absolute = path.isAbsolute(pattern);
  const parts = pattern.split(/[\\/]+/).filter((p, i) => p !== '' || i === 0);
  const out: string[] = [];
  const walk = (dir: string, i: number): void => {
    if (i === parts.length) {
      out.push(dir);
      return;
    }
    const part = parts[i];
    if (part === '**') {
      walk(dir, i + 1);
      for (const e of safeReaddir(dir)) if (e.isDirectory()) walk(path.join(dir, e.name), i);
      return;
    }
    if (!/[*?[]/.test(part)) {
      const next = dir === '' ? part : path.join(dir, part);
      if (i === parts.length - 1 ? fs.existsSync(next) : isDir(next)) walk(next, i + 1);
      return;
    }
    const re = segmentRegExp(part);
    for (const e of safeReaddir(dir === '' ? '.' : dir)) {
      if (!re.test(e.name)) continue;
      const next = dir === '' ? e.name : path.join(dir, e.name);
      if (i === parts.length - 1 ? e.isFile() : e.isDirectory()) walk(next, i + 1);
    }
  };
  walk(absolute ? '/' : '', absolute ? 1 : 0);
  return out.filter(isImage);
}

function safeReaddir(dir: string): fs.Dirent[] {
  try {
    return fs.readdirSync(dir, { withFileTypes: true }).sort((a, b) => a.name.localeCompare(b.name));
  } catch {
    return [];
  }
}

function isDir(p: string): boolean {
  try {
    return fs.statSync(p).isDirectory();
  } catch {
    return false;
  }
}

/**
 * Expands command-line inputs: a directory gives its image files (recursively), a pattern with
 * `*`, `?`, `[` gives its matches, anything else is taken as a file (a missing one fails later, per
 * image). Lines of `manifest` (blank lines and `#` comments skipped) are added. The result is sorted
 * and de-duplicated, so every shard of a job array sees the same list.
 */
export function collectInputs(args: string[], manifest?: string): string[] {
  const files: string[] = [];
  const add = (input: string) => {
    if (/[*?[]/.test(input)) files.push(...glob(input));
    else if (isDir(input)) files.push(...glob(path.join(input, '**', '*')));
    else files.push(input);
  };
  args.forEach(add);
  if (manifest !== undefined) {
    let text: string;
    try {
      text = fs.readFileSync(manifest, 'utf8');
    } catch (err) {
      throw new Error(`cannot read --manifest ${manifest}: ${(err as Error).message}`);
    }
    const base = path.dirname(manifest);
    for (const line of text.split(/\r?\n/)) {
      const t = line.trim();
      if (t && !t.startsWith('#')) add(path.isAbsolute(t) ? t : path.join(base, t));
    }
  }
  return [...new Set(files.map((f) => path.normalize(f)))].sort();
}

/** Parses --shard "i/n" (0 <= i < n). */
export function parseShard(text: string | undefined): { index: number; count: number } | undefined {
  if (text === undefined) return undefined;
  const m = /^(\d+)\/(\d+)$/.exec(text.trim());
  if (!m || Number(m[2]) < 1 || Number(m[1]) >= Number(m[2])) throw new RangeError(`--shard expects i/n with 0 <= i < n (e.g. 0/4), got "${text}"`);
  return { index: Number(m[1]), count: Number(m[2]) };
}

/** The deterministic 1/n of the sorted inputs that shard i takes: every n-th file, from the i-th. */
export function shardOf<T>(items: T[], shard: { index: number; count: number } | undefined): T[] {
  return shard ? items.filter((_, i) => i % shard.count === shard.index) : items;
}

/** Output base names: the file's stem, or stem-<hash of the path> where two inputs share a stem. */
export function outputNames(files: string[]): Map<string, string> {
  const count = new Map<string, number>();
  for (const f of files) count.set(stem(f), (count.get(stem(f)) ?? 0) + 1);
  return new Map(files.map((f) => [f, (count.get(stem(f)) as number) > 1 ? `${stem(f)}-${createHash('sha1').update(path.resolve(f)).digest('hex').slice(0, 8)}` : stem(f)]));
}
