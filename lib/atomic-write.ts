// SPDX-License-Identifier: MIT
/**
 * Atomic file writes and the clean-up of what a killed writer leaves behind. A file is written to
 * `FILE.<host>-<pid>.tmp` in the same folder, then renamed over FILE, so a reader sees the old
 * file or the new one, never half of one. The host tag and pid in the name let a later run tell a
 * stale temporary file (its writer is dead) from one another live process is writing right now,
 * e.g. another shard of a job array sharing the output folder.
 */
import { createHash } from 'node:crypto';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';

/** A short, file-name-safe tag of this machine's host name (pids are only unique per host). */
export const HOST_TAG = createHash('sha1').update(os.hostname()).digest('hex').slice(0, 6);

/** The longest temporary suffix {@link writeAtomic} appends (`.` + 6 hex + `-` + pid ≤ 10 digits + `.tmp`). */
export const TMP_SUFFIX_MAX = 1 + 6 + 1 + 10 + 4;

/** A temporary file the next run must clean: written by a dead process, or abandoned for this long. */
const ABANDONED_MS = 10 * 60 * 1000;

/**
 * True when process `pid` of this host is alive. A pid equal to ours counts as dead: a restarted
 * container runs as the same pid (often 1) as the killed one it replaces, and this process has not
 * written anything yet when it asks.
 */
export function pidAlive(pid: number): boolean {
  if (!Number.isInteger(pid) || pid <= 0 || pid === process.pid) return false;
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === 'EPERM'; // alive, owned by someone else
  }
}

/**
 * Writes `data` to `file` atomically (temporary file in the same folder, then rename). On any
 * failure (ENOSPC, EIO…) the temporary file is removed before the error is rethrown, so a full
 * disk leaves no partial files behind.
 *
 * @param file - the destination path.
 * @param data - the content.
 * @throws the write's or rename's error.
 */
export function writeAtomic(file: string, data: string | Uint8Array): void {
  const tmp = `${file}.${HOST_TAG}-${process.pid}.tmp`;
  // The name is predictable: in a folder others can write to, a link planted there would be
  // followed and the data written over its target. The temporary file is therefore created anew
  // (O_EXCL: an existing name, a link included, fails the write) after removing what a killed run
  // of the same pid left.
  try {
    fs.unlinkSync(tmp);
  } catch {
    // Usually absent.
  }
  try {
    fs.writeFileSync(tmp, data, { flag: 'wx' });
    fs.renameSync(tmp, file);
  } catch (err) {
    try {
      fs.unlinkSync(tmp);
    } catch {
      // Never created, or already renamed: nothing to remove.
    }
    throw err;
  }
}

/**
 * Removes the temporary files a killed run left in `dir` (not in subfolders): those of a dead
 * process of this host, and any older than 10 minutes (from another host: no single write takes
 * that long). Temporary files of live processes are left alone.
 *
 * @param dir - the output folder.
 * @returns the names removed.
 */
export function cleanStaleTemporaries(dir: string): string[] {
  const removed: string[] = [];
  let names: string[];
  try {
    names = fs.readdirSync(dir);
  } catch {
    return removed;
  }
  for (const name of names) {
    // The host tag is absent in files written by versions before it was added.
    const m = /\.(?:([0-9a-f]{6})-)?(\d+)\.tmp$/.exec(name);
    if (!m) continue;
    const file = path.join(dir, name);
    let stat: fs.Stats;
    try {
      stat = fs.lstatSync(file);
    } catch {
      continue;
    }
    if (!stat.isFile()) continue;
    const sameHost = m[1] === undefined || m[1] === HOST_TAG;
    const stale = (sameHost && !pidAlive(Number(m[2]))) || Date.now() - stat.mtimeMs > ABANDONED_MS;
    if (!stale) continue;
    try {
      fs.unlinkSync(file);
      removed.push(name);
    } catch {
      // Removed by another run meanwhile.
    }
  }
  return removed;
}
