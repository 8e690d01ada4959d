// SPDX-License-Identifier: MIT
/**
 * One writer per output folder. A run creates `.limeshap.lock` (or, for `--shard i/n`,
 * `.limeshap.shard-i-of-n.lock`, so the shards of one job array share a folder) with 'wx', which
 * fails when the file exists: creation is the atomic test. The file holds the pid, host and start
 * time; the holder refreshes its mtime every 30 s. A lock is stale, and is taken over, when its
 * process is dead (same host) or when it has not been refreshed for 2 minutes (another host, where
 * the pid cannot be checked: a pod of a job array restarted elsewhere).
 */
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { pidAlive } from '../atomic-write';

/** What a lock file holds. */
export interface LockHolder {
  pid: number;
  host: string;
  shard: string;
  started: string;
}

/** Thrown when another live run holds the folder (or an overlapping share of it). */
export class LockHeldError extends Error {
  constructor(
    readonly file: string,
    readonly holder: LockHolder | undefined,
  ) {
    super(
      `${path.dirname(file)} is in use by another limeshap run` +
        (holder ? ` (pid ${holder.pid} on ${holder.host}, ${holder.shard}, since ${holder.started})` : '') +
        `: lock file ${file}. Wait for it to finish, use another --out, or remove the lock file if that run is gone.`,
    );
  }
}

const REFRESH_MS = 30_000;
const STALE_MS = 120_000;
const LOCK_RE = /^\.limeshap(?:\.shard-(\d+)-of-(\d+))?\.lock$/;

function lockName(shard: { index: number; count: number } | undefined): string {
  return shard ? `.limeshap.shard-${shard.index}-of-${shard.count}.lock` : '.limeshap.lock';
}

function readHolder(file: string): { holder?: LockHolder; mtimeMs: number } | undefined {
  try {
    const stat = fs.lstatSync(file);
    let holder: LockHolder | undefined;
    try {
      const v = JSON.parse(fs.readFileSync(file, 'utf8').slice(0, 4096));
      if (typeof v === 'object' && v !== null && Number.isInteger(v.pid))
        holder = { pid: v.pid, host: String(v.host), shard: String(v.shard), started: String(v.started) };
    } catch {
      // Being written right now, or garbage: judged by its age alone.
    }
    return { holder, mtimeMs: stat.mtimeMs };
  } catch {
    return undefined; // gone
  }
}

function isStale(h: { holder?: LockHolder; mtimeMs: number }): boolean {
  if (h.holder && h.holder.host === os.hostname()) return !pidAlive(h.holder.pid);
  return Date.now() - h.mtimeMs > STALE_MS;
}

/** Two shares overlap unless both are shards of the same count with different indices. */
function overlaps(a: RegExpExecArray, b: { index: number; count: number } | undefined): boolean {
  if (a[1] === undefined || b === undefined) return true;
  return Number(a[2]) !== b.count || Number(a[1]) === b.index;
}

/** A held lock: call release() when the run ends. */
export interface Lock {
  file: string;
  /** Took over a stale lock of this holder. */
  tookOver?: LockHolder;
  release(): void;
}

/**
 * Takes the lock of `dir` for the given share of the inputs.
 *
 * @param dir - the output folder (must exist).
 * @param shard - the run's `--shard`, or undefined for the whole input list.
 * @returns the lock; release it at the end of the run.
 * @throws LockHeldError when a live run holds this share or an overlapping one.
 */
export function acquireLock(dir: string, shard: { index: number; count: number } | undefined): Lock {
  const file = path.join(dir, lockName(shard));
  const me: LockHolder = {
    pid: process.pid,
    host: os.hostname(),
    shard: shard ? `shard ${shard.index}/${shard.count}` : 'all inputs',
    started: new Date().toISOString(),
  };
  const text = JSON.stringify(me) + '\n';
  let tookOver: LockHolder | undefined;
  for (let attempt = 0; ; attempt++) {
    try {
      const fd = fs.openSync(file, 'wx');
      try {
        fs.writeSync(fd, text);
      } finally {
        fs.closeSync(fd);
      }
      break;
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'EEXIST') throw err;
      const h = readHolder(file);
      if (h && !isStale(h)) throw new LockHeldError(file, h.holder);
      if (attempt >= 3) throw new LockHeldError(file, h?.holder);
      tookOver = h?.holder;
      try {
        fs.unlinkSync(file);
      } catch {
        // Another run removed it first; the next 'wx' decides.
      }
    }
  }
  let timer: NodeJS.Timeout | undefined;
  const release = () => {
    if (timer) clearInterval(timer);
    // Remove only our own lock: after a takeover by another run, the file is theirs.
    const h = readHolder(file);
    if (h?.holder && h.holder.pid === me.pid && h.holder.started === me.started && h.holder.host === me.host) {
      try {
        fs.unlinkSync(file);
      } catch {
        // Already gone.
      }
    }
  };
  // Other shares: a whole-folder run and any shard overlap each other.
  for (const name of fs.readdirSync(dir)) {
    const m = LOCK_RE.exec(name);
    if (!m || name === path.basename(file) || !overlaps(m, shard)) continue;
    const h = readHolder(path.join(dir, name));
    if (h && !isStale(h)) {
      release();
      throw new LockHeldError(path.join(dir, name), h.holder);
    }
  }
  timer = setInterval(() => {
    const now = new Date();
    try {
      fs.utimesSync(file, now, now);
    } catch {
      // The folder went away; the run will fail on its next write anyway.
    }
  }, REFRESH_MS);
  timer.unref();
  return { file, tookOver, release };
}
