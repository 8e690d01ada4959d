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

/** One piece of a glob segment: `*`, `?`, a `[…]` set, or a literal character. */
type GlobToken = { star: true } | { one: (ch: string) => boolean };

/**
 * Parses one glob path segment (`*`, `?`, `[abc]`, `[a-z]`, `[!abc]`). A `[` without its `]` is a
 * literal character. Not a RegExp: characters of a file name put into one could make it invalid
 * (`photo[1.png`) or take exponential time (`*a*a*a*a…`).
 */
function globTokens(segment: string): GlobToken[] {
  const chars = [...segment];
  const tokens: GlobToken[] = [];
  for (let i = 0; i < chars.length; i++) {
    const ch = chars[i];
    if (ch === '*') {
      if (!('star' in (tokens[tokens.length - 1] ?? {}))) tokens.push({ star: true });
    } else if (ch === '?') tokens.push({ one: () => true });
    else if (ch === '[' && chars.indexOf(']', i + 2) > 0) {
      // A `]` right after `[` (or `[!`) is a member, as in shells.
      let j = i + 1;
      const negate = chars[j] === '!' || chars[j] === '^';
      if (negate) j++;
      const end = chars.indexOf(']', j + 1);
      if (end < 0) {
        tokens.push({ one: (c) => c === ch });
        continue;
      }
      const members: [string, string][] = [];
      for (let k = j; k < end; k++)
        if (chars[k + 1] === '-' && k + 2 < end) {
          members.push([chars[k], chars[k + 2]]);
          k += 2;
        } else members.push([chars[k], chars[k]]);
      tokens.push({ one: (c) => members.some(([lo, hi]) => c >= lo && c <= hi) !== negate });
      i = end;
    } else tokens.push({ one: (c) => c === ch });
  }
  return tokens;
}

/** Whether `name` matches the tokens: the usual wildcard walk, back to the last `*` on a mismatch (time ≤ name × pattern). */
function globMatch(tokens: readonly GlobToken[], name: string): boolean {
  const chars = [...name];
  let t = 0,
    n = 0,
    starT = -1,
    starN = 0;
  while (n < chars.length) {
    const token = tokens[t];
    if (token !== undefined && 'star' in token) {
      starT = t++;
      starN = n;
    } else if (token !== undefined && token.one(chars[n])) {
      t++;
      n++;
    } else if (starT >= 0) {
      t = starT + 1;
      n = ++starN;
    } else return false;
  }
  while (t < tokens.length && 'star' in tokens[t]) t++;
  return t === tokens.length;
}

/** What input expansion left out or merged, so nothing disappears silently. */
export interface InputNotes {
  /** Directory symbolic links not followed because they lead back into a folder being walked. */
  loops: string[];
  /** Inputs dropped because an earlier one is the same file (another path, or a link to it): [dropped, kept]. */
  duplicates: [string, string][];
}

function newNotes(): InputNotes {
  return { loops: [], duplicates: [] };
}

/** stat (links followed), or undefined when the path does not resolve. */
function statOf(p: string): fs.Stats | undefined {
  try {
    return fs.statSync(p);
  } catch {
    return undefined;
  }
}

/**
 * Files matching a glob pattern (`*`, `?`, `[…]` within a segment, `**` for any depth). Symbolic
 * links to files and folders are followed; a folder link that leads back to a folder already on
 * the walk's path (a loop) is not entered and is listed in `notes.loops`. Entries with an image
 * extension that are not regular files (a folder named `x.png`, a FIFO, a broken link) are
 * returned too, so that they fail with a message naming them instead of vanishing.
 */
export function glob(pattern: string, notes: InputNotes = newNotes()): string[] {
  const absolute = path.isAbsolute(pattern);
  const parts = pattern.split(/[\\/]+/).filter((p, i) => p !== '' || i === 0);
  const out: string[] = [];
  // dev:ino of the folders on the current path: entering one of them again is a loop.
  const onPath = new Set<string>();
  const walk = (dir: string, i: number): void => {
    if (i === parts.length) {
      out.push(dir);
      return;
    }
    const part = parts[i];
    if (part === '**') {
      const here = statOf(dir === '' ? '.' : dir);
      const id = here ? `${here.dev}:${here.ino}` : '';
      if (id && onPath.has(id)) {
        notes.loops.push(dir);
        return;
      }
      if (id) onPath.add(id);
      walk(dir, i + 1);
      for (const e of safeReaddir(dir === '' ? '.' : dir)) {
        const next = dir === '' ? e.name : path.join(dir, e.name);
        if (e.isDirectory() || (e.isSymbolicLink() && statOf(next)?.isDirectory())) walk(next, i);
      }
      if (id) onPath.delete(id);
      return;
    }
    if (!/[*?[]/.test(part)) {
      const next = dir === '' ? part : path.join(dir, part);
      if (i === parts.length - 1 ? fs.existsSync(next) : isDir(next)) walk(next, i + 1);
      return;
    }
    const tokens = globTokens(part);
    const last = i === parts.length - 1;
    for (const e of safeReaddir(dir === '' ? '.' : dir)) {
      if (!globMatch(tokens, e.name)) continue;
      const next = dir === '' ? e.name : path.join(dir, e.name);
      if (last) {
        // Any image-named entry but a folder that ** also walks: the loader reports what it is.
        if (isImage(e.name)) walk(next, i + 1);
      } else if (e.isDirectory() || (e.isSymbolicLink() && statOf(next)?.isDirectory())) {
        walk(next, i + 1);
      }
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
  return statOf(p)?.isDirectory() ?? false;
}

/**
 * Expands command-line inputs: a directory gives its image files (recursively, following links,
 * see {@link glob}), a pattern with `*`, `?`, `[` gives its matches, anything else is taken as a
 * file (a missing one fails later, per image). Lines of `manifest` (blank lines and `#` comments
 * skipped) are added. The result is sorted and de-duplicated by path and by file identity (device
 * and inode: another relative path or a link to the same file is explained once, under the first
 * path in sorted order), so every shard of a job array sees the same list.
 *
 * @param args - the positional arguments.
 * @param manifest - a file with one input per line, relative to its own folder; optional.
 * @param notes - filled with what was left out (loops) or merged (duplicates); optional.
 * @returns the sorted input paths.
 * @throws Error when the manifest cannot be read; RangeError naming every glob or folder (given or
 *   listed in the manifest) that matches no image file.
 */
export function collectInputs(args: string[], manifest?: string, notes: InputNotes = newNotes()): string[] {
  const files: string[] = [];
  // Globs and folders that gave no image: a typo or the wrong folder, never a run that does nothing and succeeds.
  const empty: string[] = [];
  const add = (input: string) => {
    let found: string[];
    // A file that exists under exactly this name is that file, glob characters or not (`photo[1].png`).
    if (/[*?[]/.test(input) && !statOf(input)?.isFile()) found = glob(input, notes);
    else if (isDir(input)) found = glob(path.join(input, '**', '*'), notes);
    else found = [input];
    if (found.length === 0) empty.push(input);
    files.push(...found);
  };
  args.forEach(add);
  if (manifest !== undefined) {
    let text: string;
    try {
      // Bounded and regular-only, like images: a FIFO or /dev/zero as manifest must not hang or exhaust memory.
      text = readManifest(manifest);
    } catch (err) {
      throw new Error(`cannot read --manifest ${manifest}: ${(err as Error).message}`, { cause: err });
    }
    const base = path.dirname(manifest);
    for (const line of text.split(/\r?\n/)) {
      const t = line.trim();
      if (t && !t.startsWith('#')) add(path.isAbsolute(t) ? t : path.join(base, t));
    }
  }
  if (empty.length)
    throw new RangeError(
      `no images found in ${empty.map((e) => `"${e}"`).join(', ')}: ${empty.length > 1 ? 'these globs or folders match' : 'this glob or folder matches'} ` +
        `no file named ${IMAGE_EXTENSIONS.map((e) => `*${e}`).join(', ')}`,
    );
  const sorted = [...new Set(files.map((f) => path.normalize(f)))].sort();
  const seen = new Map<string, string>();
  const out: string[] = [];
  for (const f of sorted) {
    const st = statOf(f);
    // Only regular files are merged: a FIFO or device is kept, to fail with its own message.
    const id = st?.isFile() ? `${st.dev}:${st.ino}` : undefined;
    const first = id === undefined ? undefined : seen.get(id);
    if (first !== undefined) {
      notes.duplicates.push([f, first]);
      continue;
    }
    if (id !== undefined) seen.set(id, f);
    out.push(f);
  }
  return out;
}

/** The largest manifest read (64 MiB: about a million paths). */
const MAX_MANIFEST_BYTES = 64 * 1024 * 1024;

function readManifest(file: string): string {
  const fd = fs.openSync(file, fs.constants.O_RDONLY | (fs.constants.O_NONBLOCK ?? 0));
  try {
    const st = fs.fstatSync(fd);
    if (!st.isFile()) throw new Error('not a regular file');
    if (st.size > MAX_MANIFEST_BYTES) throw new Error(`${st.size} bytes, more than ${MAX_MANIFEST_BYTES}`);
    return fs.readFileSync(fd, 'utf8');
  } finally {
    fs.closeSync(fd);
  }
}

/** Parses --shard "i/n" (0 <= i < n). */
/** A share of the inputs: the index-th of count. */
export type Shard = { index: number; count: number };

export function parseShard(text: string | undefined): Shard | undefined {
  if (text === undefined) return undefined;
  const m = /^(\d+)\/(\d+)$/.exec(text.trim());
  if (!m || Number(m[2]) < 1 || Number(m[1]) >= Number(m[2]))
    throw new RangeError(`--shard expects i/n with 0 <= i < n (e.g. 0/4), got "${text}"`);
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
  return new Map(
    files.map((f) => [
      f,
      (count.get(stem(f)) as number) > 1 ? `${stem(f)}-${createHash('sha1').update(path.resolve(f)).digest('hex').slice(0, 8)}` : stem(f),
    ]),
  );
}
