// SPDX-License-Identifier: MIT
/** Creating the --out folder, with a usage error (not a raw EEXIST) when a file stands in its way. */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { printable } from './terminal';

/**
 * Creates the output folder `out` and any folders above it.
 *
 * @param out - the --out path (absolute or relative).
 * @throws RangeError naming --out and the path when `out`, or a path above it, is an existing file
 *   (bad usage: another --out is needed); the filesystem's error for anything else (no permission, a
 *   read-only or full disk: the outputs cannot be written).
 */
export function makeOutFolder(out: string): void {
  try {
    fs.mkdirSync(out, { recursive: true });
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    if (code !== 'EEXIST' && code !== 'ENOTDIR') throw err;
    const blocker = fileInTheWay(out);
    if (blocker === undefined) throw err;
    throw new RangeError(
      blocker === path.resolve(out)
        ? `--out ${printable(out)} is a file, not a folder: give a folder (it is created when missing)`
        : `--out ${printable(out)} cannot be created: ${printable(blocker)} is a file, not a folder`,
      { cause: err },
    );
  }
}

/** The nearest existing path at or above `out` that is not a folder, if any. */
function fileInTheWay(out: string): string | undefined {
  for (let p = path.resolve(out); ; p = path.dirname(p)) {
    let st: fs.Stats | undefined;
    try {
      st = fs.statSync(p);
    } catch {
      st = undefined;
    }
    if (st) return st.isDirectory() ? undefined : p;
    if (path.dirname(p) === p) return undefined;
  }
}
