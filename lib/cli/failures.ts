// SPDX-License-Identifier: MIT
/**
 * The failures of an output folder, kept true across resumes and shards. Each failing image has
 * one record, failures/<hash of its output name>.json, written atomically; an image that later
 * succeeds removes its record. failures.jsonl (one line per image still failing, sorted) is rebuilt
 * from the records at the end of every run, so it never keeps lines of images that were redone,
 * and the shards of a job array never overwrite each other's lines (each writes only its own
 * records). Records are named by hash because an output name may be too long to be a file name.
 */
import { createHash } from 'node:crypto';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { writeAtomic } from '../atomic-write';

/** One failure, as stored in a record and as a line of failures.jsonl. */
export interface FailureRecord {
  image: string;
  name: string;
  error: string;
  time: string;
}

/** A record bigger than this is not one of ours. */
const MAX_RECORD_BYTES = 1 << 20;

/** The failure records of one output folder (see the file comment); every method is synchronous. */
export class FailureLog {
  readonly dir: string;
  readonly summary: string;

  /** @param out - the output folder. */
  constructor(out: string) {
    this.dir = path.join(out, 'failures');
    this.summary = path.join(out, 'failures.jsonl');
  }

  private recordFile(name: string): string {
    return path.join(this.dir, `${createHash('sha1').update(name).digest('hex').slice(0, 20)}.json`);
  }

  /** Records that `image` (output `name`) failed. Throws when even that cannot be written (a full disk). */
  record(image: string, name: string, error: string): void {
    fs.mkdirSync(this.dir, { recursive: true });
    const r: FailureRecord = { image, name, error, time: new Date().toISOString() };
    writeAtomic(this.recordFile(name), JSON.stringify(r) + '\n');
  }

  /** Forgets the failure of output `name` (it succeeded, or was found finished). */
  clear(name: string): void {
    try {
      fs.unlinkSync(this.recordFile(name));
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'ENOENT') throw err;
    }
  }

  /** Every record, sorted by image; an unreadable record becomes a line saying so. */
  read(): FailureRecord[] {
    let names: string[];
    try {
      names = fs.readdirSync(this.dir).filter((n) => n.endsWith('.json'));
    } catch {
      return [];
    }
    const out: FailureRecord[] = [];
    for (const n of names) {
      const file = path.join(this.dir, n);
      try {
        const stat = fs.lstatSync(file);
        if (!stat.isFile() || stat.size > MAX_RECORD_BYTES) throw new Error('not a failure record');
        const v = JSON.parse(fs.readFileSync(file, 'utf8'));
        out.push({ image: String(v.image), name: String(v.name), error: String(v.error), time: String(v.time) });
      } catch (err) {
        out.push({ image: `failures/${n}`, name: '?', error: `unreadable failure record: ${(err as Error).message}`, time: '' });
      }
    }
    return out.sort((a, b) => (a.image < b.image ? -1 : a.image > b.image ? 1 : 0));
  }

  /** Rewrites failures.jsonl from the records; returns the number of lines. Throws when it cannot be written. */
  rebuild(): number {
    const records = this.read();
    writeAtomic(this.summary, records.map((r) => JSON.stringify(r) + '\n').join(''));
    return records.length;
  }
}
